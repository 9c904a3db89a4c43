/**
 * The API's REST endpoints, for what tRPC's JSON does not carry well: streaming files. Each route
 * declares its access like a procedure does (the permissions test walks this table too), checks the
 * CSRF token on anything but GET, and answers errors in the same bilingual shape.
 */
import { AppError, isAppError, type Access, type AppErrorCode, type Permission } from '@ggzy/domain';
import { constantTimeEqual } from '@ggzy/crypto';
import { eq, openingHall } from '@ggzy/db';
import { ObjectExistsError } from '@ggzy/storage';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { authorizeAccess } from './authorize';
import { databaseClock } from './bidding/bid-window';
import { downloadOwnEnvelope } from './bidding/envelope-download';
import { CSRF_COOKIE, type ApiContext, type SessionAccount } from './context';
import { readOpenedBid } from './opening/opened-bids';
import { pdfSha256OfKey } from './opening/record-pdf';
import { ANONYMOUS_LIMIT, anonymousRefusalsOf } from './refusals';
import { MAX_DOCUMENT_BYTES, obtainDocument, uploadDocument } from './tender/documents';
import { listReleasePackage, sectionReleasePackage } from './tender/ocds';

export interface RestRoute {
  method: 'GET' | 'PUT';
  pattern: RegExp;
  /** Any one of these permissions suffices. */
  access: Access | readonly Permission[];
  name: string;
  /** `account` is null only on public routes. */
  handle(ctx: ApiContext, account: SessionAccount | null, params: string[], req: IncomingMessage, res: ServerResponse): Promise<void>;
}

export const HTTP_STATUS: Record<AppErrorCode, number> = {
  UNAUTHENTICATED: 401,
  SESSION_EXPIRED: 401,
  INVALID_CREDENTIALS: 401,
  ACCOUNT_LOCKED: 429,
  ACCOUNT_DISABLED: 403,
  PERMISSION_DENIED: 403,
  CSRF_REJECTED: 403,
  RATE_LIMITED: 429,
  INVALID_INPUT: 400,
  NOT_FOUND: 404,
  CONFLICT: 409,
  RULE_VIOLATION: 422,
  INTERNAL: 500,
};

const UUID = '([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})';

/** Counts bytes through a stream and fails it past the limit, so an oversized upload stores nothing. */
function limitBytes(limit: number) {
  let seen = 0;
  return new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      seen += chunk.length;
      if (seen > limit) callback(new AppError('INVALID_INPUT', { zh: `文件超过 ${limit / 2 ** 20} MiB 上限`, en: `The file exceeds the ${limit / 2 ** 20} MiB limit` }));
      else callback(null, chunk);
    },
  });
}

export const restRoutes: RestRoute[] = [
  {
    name: 'PUT /api/sections/:id/documents',
    method: 'PUT',
    pattern: new RegExp(`^/api/sections/${UUID}/documents$`),
    access: 'update:section:own',
    async handle(ctx, account, [sectionId], req, res) {
      const declared = Number(req.headers['content-length'] ?? 0);
      if (declared > MAX_DOCUMENT_BYTES) throw new AppError('INVALID_INPUT', { zh: `文件超过 ${MAX_DOCUMENT_BYTES / 2 ** 20} MiB 上限`, en: `The file exceeds the ${MAX_DOCUMENT_BYTES / 2 ** 20} MiB limit` });
      let filename: string;
      try {
        filename = decodeURIComponent(String(req.headers['x-filename'] ?? ''));
      } catch {
        throw new AppError('INVALID_INPUT', { zh: '文件名编码错误', en: 'The file name is not valid URI encoding' });
      }
      const contentType = String(req.headers['content-type'] ?? 'application/octet-stream').slice(0, 200);
      const body = req.pipe(limitBytes(MAX_DOCUMENT_BYTES));
      req.on('error', (error) => body.destroy(error));
      const stored = await uploadDocument({ db: ctx.db, store: ctx.store, request: ctx.request, account: account!, sectionId: sectionId!, filename, contentType, body });
      res.writeHead(201, { 'content-type': 'application/json' });
      res.end(JSON.stringify(stored));
    },
  },
  {
    name: 'GET /api/documents/:id',
    method: 'GET',
    pattern: new RegExp(`^/api/documents/${UUID}$`),
    access: ['download:documents:any', 'read:section:own', 'read:section:region'],
    async handle(ctx, account, [documentId], _req, res) {
      const { document, stream } = await obtainDocument({ db: ctx.db, store: ctx.store, request: ctx.request, account: account!, documentId: documentId! });
      res.writeHead(200, {
        'content-type': document.contentType,
        'content-length': String(document.size),
        'content-disposition': `attachment; filename*=UTF-8''${encodeURIComponent(document.filename)}`,
        'x-content-sha256': document.sha256,
        'cache-control': 'private, no-store',
      });
      await pipeline(stream, res);
    },
  },
  {
    // The company's own sealed envelope, for the decryption self-test (docs/sealed-bids.md §8).
    name: 'GET /api/bids/:id/envelope',
    method: 'GET',
    pattern: new RegExp(`^/api/bids/${UUID}/envelope$`),
    access: 'read:bidding:own',
    async handle(ctx, account, [uploadId], _req, res) {
      const { upload, size, stream } = await downloadOwnEnvelope({ db: ctx.db, store: ctx.store, request: ctx.request, account: account!, uploadId: uploadId! });
      res.writeHead(200, {
        'content-type': 'application/vnd.ggzy.envelope',
        'content-length': String(size),
        'content-disposition': `attachment; filename="${upload.id}.ggzyenv"`,
        ...(upload.ciphertextSha256 ? { 'x-content-sha256': upload.ciphertextSha256 } : {}),
        'cache-control': 'private, no-store',
      });
      await pipeline(stream, res);
    },
  },
  {
    // The receipt key (docs/sealed-bids.md §6): anyone may check a receipt the platform signed.
    name: 'GET /api/receipts/key',
    method: 'GET',
    pattern: /^\/api\/receipts\/key$/,
    access: 'public',
    async handle(ctx, _account, _params, _req, res) {
      res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'public, max-age=300' });
      res.end(JSON.stringify({ keyId: ctx.receiptSigner.keyId, publicKey: Buffer.from(ctx.receiptSigner.publicKey).toString('base64') }));
    },
  },
  {
    // The platform's clock for countdowns: the database clock, which alone decides whether a bid was
    // in time (招标投标法 art. 28; docs/sealed-bids.md §7), to the millisecond.
    name: 'GET /api/time',
    method: 'GET',
    pattern: /^\/api\/time$/,
    access: 'public',
    async handle(ctx, _account, _params, _req, res) {
      const now = await databaseClock(ctx.db);
      res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
      res.end(JSON.stringify({ now: now.toISOString(), source: 'database' }));
    },
  },
  {
    // The closed opening record, signed by the platform (docs/decisions/015-signed-pdf.md): public once closed.
    name: 'GET /api/sections/:id/opening-record.pdf',
    method: 'GET',
    pattern: new RegExp(`^/api/sections/${UUID}/opening-record\\.pdf$`),
    access: 'public',
    async handle(ctx, _account, [sectionId], _req, res) {
      const [hall] = await ctx.db.select({ state: openingHall.state, key: openingHall.recordPdfKey }).from(openingHall).where(eq(openingHall.sectionId, sectionId!));
      if (!hall || hall.state !== 'closed' || !hall.key) {
        throw new AppError('NOT_FOUND', { zh: '开标记录尚未关闭，暂无开标记录文件', en: 'The opening record is not closed yet; there is no record file' });
      }
      const info = await ctx.store.head(hall.key);
      const sha256 = pdfSha256OfKey(hall.key);
      res.writeHead(200, {
        'content-type': 'application/pdf',
        'content-disposition': `inline; filename="opening-record-${sectionId}.pdf"`,
        'cache-control': 'public, max-age=31536000, immutable',
        ...(info ? { 'content-length': String(info.size) } : {}),
        ...(sha256 ? { 'x-content-sha256': sha256 } : {}),
      });
      await pipeline(await ctx.store.get(hall.key), res);
    },
  },
  {
    // An opened bid's plaintext bundle (docs/opening-hall.md §6b): the supervisor of the region and the
    // bidder's own company only, once decrypted; each read traced before the first byte. The role
    // gate lets every role that takes part in a section through; readOpenedBid decides, and refuses
    // centre staff, the tenderer and other bidders with its own message.
    name: 'GET /api/sections/:id/bids/:id/opened',
    method: 'GET',
    pattern: new RegExp(`^/api/sections/${UUID}/bids/${UUID}/opened$`),
    access: ['read:bidding:own', 'read:bids:region', 'read:bids:own'],
    async handle(ctx, account, [sectionId, organisationId], _req, res) {
      const opened = await readOpenedBid(ctx.db, ctx.store, { sectionId: sectionId!, organisationId: organisationId!, reader: { kind: 'session', account, request: ctx.request } });
      res.writeHead(200, {
        'content-type': 'application/zip',
        'content-length': String(opened.size),
        'content-disposition': `attachment; filename="${opened.asciiFilename}"; filename*=UTF-8''${encodeURIComponent(opened.filename)}`,
        'x-content-sha256': opened.sha256,
        'cache-control': 'private, no-store',
      });
      await pipeline(opened.stream, res);
    },
  },
  {
    name: 'GET /api/ocds/sections/:id',
    method: 'GET',
    pattern: new RegExp(`^/api/ocds/sections/${UUID}$`),
    access: 'public',
    async handle(ctx, _account, [sectionId], _req, res) {
      const body = JSON.stringify(await sectionReleasePackage(ctx.db, ctx.settings, sectionId!));
      res.writeHead(200, { 'content-type': 'application/json; charset=utf-8' });
      res.end(body);
    },
  },
  {
    // Anonymous refusals are counted, not traced (refusals.ts): per reason, per minute, for the supervisor.
    name: 'GET /api/metrics/refusals',
    method: 'GET',
    pattern: /^\/api\/metrics\/refusals$/,
    access: 'read:trace:any',
    async handle(ctx, _account, _params, _req, res) {
      res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
      res.end(JSON.stringify({ anonymous: anonymousRefusalsOf(ctx).counts(), limit: ctx.settings.anonymousRefusalLimit ?? ANONYMOUS_LIMIT }));
    },
  },
  {
    // The platform CA certificates (RSA first, then SM2), for holders and outside verifiers to check what the platform issued.
    name: 'GET /api/pki/ca.pem',
    method: 'GET',
    pattern: /^\/api\/pki\/ca\.pem$/,
    access: 'public',
    async handle(ctx, _account, _params, _req, res) {
      res.writeHead(200, { 'content-type': 'application/x-pem-file', 'cache-control': 'public, max-age=3600' });
      res.end([ctx.pki.ca.certificatePem, ctx.pki.sm2Ca?.certificatePem].filter(Boolean).map((pem) => pem!.trim()).join('\n') + '\n');
    },
  },
  {
    name: 'GET /api/ocds/releases',
    method: 'GET',
    pattern: /^\/api\/ocds\/releases$/,
    access: 'public',
    async handle(ctx, _account, _params, req, res) {
      const query = new URL(req.url ?? '/', 'http://local').searchParams;
      const limit = Number(query.get('limit') ?? 50);
      if (!Number.isInteger(limit) || limit < 1 || limit > 100) {
        throw new AppError('INVALID_INPUT', { zh: 'limit 应为 1–100 的整数', en: 'limit must be a whole number from 1 to 100' });
      }
      const page = await listReleasePackage(ctx.db, ctx.settings, { after: query.get('after') ?? undefined, limit });
      const headers: Record<string, string> = { 'content-type': 'application/json; charset=utf-8' };
      if (page.next) headers.link = `<${ctx.settings.publicUrl}/api/ocds/releases?limit=${limit}&after=${encodeURIComponent(page.next)}>; rel="next"`;
      res.writeHead(200, headers);
      // An empty page is still a valid answer: a package needs at least one release, so send none.
      res.end(JSON.stringify(page.package ?? { releases: [] }));
    },
  },
];

export function sendError(res: ServerResponse, error: unknown): void {
  const app = isAppError(error)
    ? error
    : error instanceof ObjectExistsError
      ? new AppError('CONFLICT', { zh: '对象已存在', en: 'The object exists already' })
      : new AppError('INTERNAL', { zh: '服务器内部错误，请稍后再试', en: 'Internal server error; please try again later' });
  if (res.headersSent) {
    res.destroy();
    return;
  }
  res.writeHead(HTTP_STATUS[app.code], { 'content-type': 'application/json' });
  res.end(JSON.stringify({ error: { code: app.code, zh: app.zh, en: app.en, details: app.details, message: app.message } }));
}

/** Runs a matching route; false when no route matches. */
export async function handleRest(ctx: ApiContext, req: IncomingMessage, res: ServerResponse, path: string): Promise<boolean> {
  for (const route of restRoutes) {
    if (req.method !== route.method) continue;
    const match = route.pattern.exec(path);
    if (!match) continue;
    if (route.method !== 'GET') {
      const cookie = ctx.request.cookies[CSRF_COOKIE];
      const header = ctx.request.csrfHeader;
      if (!cookie || !header || !constantTimeEqual(cookie, header)) {
        throw new AppError('CSRF_REJECTED', { zh: '请求校验失败（CSRF），请刷新页面后重试', en: 'The request failed its CSRF check; reload the page and try again' });
      }
    }
    const account = await authorizeAccess(ctx, route.access, route.name);
    if (!account && route.access !== 'public') throw new AppError('UNAUTHENTICATED', { zh: '请先登录', en: 'Please sign in first' });
    await route.handle(ctx, account, match.slice(1), req, res);
    return true;
  }
  return false;
}
