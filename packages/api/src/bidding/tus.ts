/**
 * `/api/uploads`: the tus 1.0.0 server for sealed bids (docs/sealed-bids.md §4), `@tus/server` with
 * `@tus/file-store` staging under UPLOAD_DIR. In front of it, every request is authenticated like
 * a mutation (session cookie, CSRF header, permission create:bid:own) and, for an existing upload,
 * held to its owner and to the section's deadline on the database clock; refusals never reach the
 * store. The tus hooks create the `bid_upload` row (onUploadCreate) and, on the last byte, inspect
 * the envelope and move it into the write-once object store (onUploadFinish). See decision 006.
 */
import { FileStore } from '@tus/file-store';
import { ERRORS, Server, type ServerOptions, type Upload } from '@tus/server';
import { constantTimeEqual } from '@ggzy/crypto';
import { AppError, isAppError } from '@ggzy/domain';
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { join } from 'node:path';
import { authorizeAccess } from '../authorize';
import { CSRF_COOKIE, type ApiContext, type Services, type SessionAccount } from '../context';
import { createContext, requestInfoOf, type HttpOptions } from '../http';
import { isTraced } from '../refusals';
import { HTTP_STATUS } from '../rest';
import { assertUploadMayContinue, checkArrivedHeader, completeUpload, createUploadRecord, maxEnvelopeBytesOf, REFUSED_BEFORE_STORING, requireOwnUpload, tooLarge } from './uploads';

export const UPLOAD_PATH = '/api/uploads';

/** Requests whose refusal the upload code traced itself (refusals.ts `markTraced`): not traced again. */
const tracedAnswers = new WeakSet<object>();

/** Whether the upload endpoint's refusal of this request is already in the trace log. */
export function refusalAlreadyTraced(req: object): boolean {
  return tracedAnswers.has(req);
}
const JSON_TYPE = 'application/json; charset=utf-8';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

type TusRequest = Parameters<NonNullable<ServerOptions['onUploadCreate']>>[0];

interface UploadCall {
  ctx: ApiContext;
  account: SessionAccount;
}

/** The refusal body of this endpoint: `{ code, message, zh, en, details }` (what tus-js-client shows). */
function refusalBody(error: AppError): string {
  return JSON.stringify({ code: error.code, message: `${error.zh} / ${error.en}`, zh: error.zh, en: error.en, details: error.details });
}

/** tus's own refusals (plain text) in the platform's words. */
function fromTus(status: number, text: string): AppError {
  const detail = text.trim();
  if (status === 409) {
    return new AppError('CONFLICT', { zh: '续传位置与服务器不一致，请先查询进度（HEAD）再继续', en: `The upload offset does not match the server's; ask for it (HEAD) and resume (${detail})` }, { reason: 'offset' });
  }
  if (status === 404 || status === 410) return new AppError('NOT_FOUND', { zh: '没有这个上传，或已过期', en: `No such upload, or it has expired (${detail})` });
  if (status === 500 || status > 500) return new AppError('INTERNAL', { zh: '上传处理失败，请稍后继续上传', en: `The upload failed on the server; resume it later (${detail})` });
  return new AppError('INVALID_INPUT', { zh: `上传请求不符合 tus 协议：${detail}`, en: `The upload request breaks the tus protocol: ${detail}` }, { reason: 'tus', status });
}

/** More bytes than the upload's declared Upload-Length: the client's mistake, not the size limit. */
function longerThanDeclared(): AppError {
  return new AppError(
    'INVALID_INPUT',
    { zh: '发送的数据超过了创建上传时声明的长度（Upload-Length），请按文件实际大小重新创建上传', en: 'More bytes were sent than the upload declared (Upload-Length); create the upload again with the file’s real size' },
    { reason: 'longer-than-declared' },
  );
}

function send(res: ServerResponse, error: AppError, status = HTTP_STATUS[error.code]): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  res.writeHead(status, { 'content-type': JSON_TYPE, 'tus-resumable': '1.0.0', 'cache-control': 'no-store' });
  res.end(refusalBody(error));
}

/** tus answers errors as text/plain; ours carry JSON bodies (onResponseError), so say so. */
function labelJsonErrors(res: ServerResponse): void {
  const writeHead = res.writeHead.bind(res) as (...args: unknown[]) => ServerResponse;
  res.writeHead = ((status: number, ...rest: unknown[]) => {
    const headers = rest.at(-1);
    if (status >= 400 && Array.isArray(headers)) {
      for (let i = 0; i < headers.length; i += 2) if (String(headers[i]).toLowerCase() === 'content-type') headers[i + 1] = JSON_TYPE;
    } else if (status >= 400 && headers && typeof headers === 'object') {
      for (const name of Object.keys(headers)) if (name.toLowerCase() === 'content-type') (headers as Record<string, string>)[name] = JSON_TYPE;
    }
    return writeHead(status, ...rest);
  }) as ServerResponse['writeHead'];
}

function assertCsrf(ctx: ApiContext): void {
  const cookie = ctx.request.cookies[CSRF_COOKIE];
  const header = ctx.request.csrfHeader;
  if (!cookie || !header || !constantTimeEqual(cookie, header)) {
    throw new AppError('CSRF_REJECTED', { zh: '请求校验失败（CSRF），请刷新页面后重试', en: 'The request failed its CSRF check; reload the page and try again' });
  }
}

export function createUploadHandler(services: Services, options: HttpOptions) {
  const calls = new WeakMap<IncomingMessage, UploadCall>();
  const maxBytes = maxEnvelopeBytesOf(services.settings);
  const datastore = new FileStore({ directory: services.settings.uploadDir });

  const callOf = (req: TusRequest): UploadCall => {
    const node = (req as { runtime?: { node?: { req?: IncomingMessage } } }).runtime?.node?.req;
    const call = node ? calls.get(node) : undefined;
    if (!call) throw new AppError('INTERNAL', { zh: '上传请求缺少身份信息', en: 'The upload request lost its caller' });
    return call;
  };

  const tus = new Server({
    path: UPLOAD_PATH,
    datastore,
    relativeLocation: true,
    // Same origin only (the web app proxies /api): no CORS headers for other sites.
    allowedOrigins: [],
    maxSize: maxBytes,
    namingFunction: () => randomUUID(),
    disableTerminationForFinishedUploads: true,
    async onUploadCreate(req, upload: Upload) {
      const { ctx, account } = callOf(req);
      const sectionId = upload.metadata?.sectionId ?? '';
      if (!UUID.test(sectionId)) {
        throw new AppError('INVALID_INPUT', { zh: '上传元数据（Upload-Metadata）须给出标段 sectionId', en: 'Upload-Metadata must name the section (sectionId)' }, { reason: 'no-section' });
      }
      await createUploadRecord(ctx.db, { request: ctx.request, account, uploadId: upload.id, sectionId, length: upload.size ?? -1, maxBytes });
      // Only what the platform needs is kept beside the staged bytes.
      const filename = upload.metadata?.filename?.slice(0, 200);
      return { metadata: { sectionId, ...(filename ? { filename } : {}) } };
    },
    async onUploadFinish(req, upload: Upload) {
      const { ctx, account } = callOf(req);
      const row = await requireOwnUpload(ctx.db, upload.id, account);
      try {
        await completeUpload({ db: ctx.db, store: ctx.store, request: ctx.request, account, upload: row, stagedPath: upload.storage?.path ?? join(services.settings.uploadDir, upload.id) });
      } catch (error) {
        // Complete only after the deadline, or refused before storing (not an envelope for this
        // section and bidder): never stored, never counted; the staged bytes go.
        const reason = isAppError(error) ? String(error.details.reason) : '';
        if (reason === 'deadline-passed' || REFUSED_BEFORE_STORING.has(reason)) await datastore.remove(upload.id).catch(() => {});
        throw error;
      }
      await datastore.remove(upload.id).catch((error: unknown) => options.onError?.(error, 'uploads: removing a staged file'));
      return {};
    },
    onResponseError(req, error) {
      const node = (req as { runtime?: { node?: { req?: IncomingMessage } } }).runtime?.node?.req;
      if (node && isTraced(error)) tracedAnswers.add(node);
      if (isAppError(error)) {
        if (error.code === 'INTERNAL') options.onError?.(error, UPLOAD_PATH);
        return { status_code: HTTP_STATUS[error.code], body: refusalBody(error) };
      }
      if ('status_code' in error) {
        const app = error.status_code === 413 ? (error.body === ERRORS.ERR_SIZE_EXCEEDED.body ? longerThanDeclared() : tooLarge(maxBytes)) : fromTus(error.status_code, error.body);
        // tus's own status stays (413, 409, 410 …) except its 403s, which are malformed requests.
        return { status_code: error.status_code === 403 ? 400 : error.status_code, body: refusalBody(app) };
      }
      options.onError?.(error, UPLOAD_PATH);
      return { status_code: 500, body: refusalBody(fromTus(500, 'unexpected error')) };
    },
  });

  /** Handles `/api/uploads` and `/api/uploads/<id>`. */
  return async function handleUpload(req: IncomingMessage, res: ServerResponse, path: string): Promise<void> {
    labelJsonErrors(res);
    const method = req.method ?? 'GET';
    if (method === 'OPTIONS') return tus.handle(req, res);
    const request = requestInfoOf(req, options.trustProxy);
    res.setHeader('x-request-id', request.requestId);
    const ctx = createContext(services, request, { set: () => {}, clear: () => {} });
    const rest = path.slice(UPLOAD_PATH.length).replace(/^\/|\/$/g, '');
    const uploadId = rest === '' ? null : decodeURIComponent(rest);
    try {
      // No download (the bytes are evidence in the store) and no deletion (the row stays).
      if (method !== 'POST' && method !== 'PATCH' && method !== 'HEAD') {
        send(res, new AppError('INVALID_INPUT', { zh: `上传地址不支持 ${method} 请求`, en: `${method} is not supported on uploads` }), 405);
        return;
      }
      if ((method === 'POST') !== (uploadId === null) || (uploadId !== null && !UUID.test(uploadId))) throw new AppError('NOT_FOUND', { zh: '没有这个上传', en: 'No such upload' });
      if (method !== 'HEAD') assertCsrf(ctx);
      const account = (await authorizeAccess(ctx, 'create:bid:own', `${method} ${UPLOAD_PATH}`))!;
      if (uploadId) {
        const row = await requireOwnUpload(ctx.db, uploadId, account);
        if (method === 'HEAD' && row.completedAt) {
          // The staged file is gone once stored; the upload itself is complete.
          res.writeHead(200, { 'tus-resumable': '1.0.0', 'cache-control': 'no-store', 'upload-offset': String(row.length), 'upload-length': String(row.length) });
          res.end();
          return;
        }
        if (method === 'PATCH') {
          await assertUploadMayContinue(ctx.db, row);
          // The first bytes already staged hold the header: not an envelope for this section and
          // bidder, and nothing more is taken (the staged bytes go, in the catch below).
          await checkArrivedHeader({ db: ctx.db, request: ctx.request, account, upload: row, stagedPath: join(services.settings.uploadDir, row.id) });
        }
      }
      calls.set(req, { ctx, account });
    } catch (error) {
      if (!isAppError(error)) options.onError?.(error, UPLOAD_PATH);
      if (isTraced(error)) tracedAnswers.add(req);
      if (uploadId && isAppError(error) && REFUSED_BEFORE_STORING.has(String(error.details.reason))) await datastore.remove(uploadId).catch(() => {});
      send(res, isAppError(error) ? error : fromTus(500, 'unexpected error'));
      return;
    }
    await tus.handle(req, res);
  };
}
