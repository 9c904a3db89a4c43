import { createHTTPHandler } from '@trpc/server/adapters/standalone';
import { getTraceStatus } from '@ggzy/audit';
import { APP_ERROR_CODES, AppError, isAppError } from '@ggzy/domain';
import { parse, serialize } from 'cookie';
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { CSRF_COOKIE, SESSION_COOKIE, type ApiContext, type RequestInfo, type Services, type SessionAccount } from './context';
import { resolveSession } from './auth/session';
import { appRouter } from './router';
import { handleRest, sendError } from './rest';
import { createUploadHandler, refusalAlreadyTraced, UPLOAD_PATH } from './bidding/tus';
import { assertNotRateLimited, ENVELOPE_REASONS, noteRefusal } from './refusals';
import { HALL_WATCH_PATH, serveHallWatch } from './opening/hall-stream';

/** A REST path with its ids replaced, as the trace names it (`/api/documents/:id`). */
function routeNameOf(path: string): string {
  return path.replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g, ':id').slice(0, 200);
}

/** The refusal the upload endpoint answered, from its JSON body `{ code, details }` (tus.ts). */
function refusalOfUploadAnswer(status: number, body: string): AppError {
  let parsed: { code?: unknown; details?: unknown } = {};
  try {
    parsed = JSON.parse(body) as typeof parsed;
  } catch {
    // tus's own plain-text answers: named by status below.
  }
  const code = APP_ERROR_CODES.find((c) => c === parsed.code) ?? (status === 404 || status === 410 ? 'NOT_FOUND' : status === 401 ? 'UNAUTHENTICATED' : status === 403 ? 'PERMISSION_DENIED' : status === 409 ? 'CONFLICT' : 'INVALID_INPUT');
  const details = typeof parsed.details === 'object' && parsed.details !== null ? (parsed.details as Record<string, unknown>) : {};
  const safe: Record<string, string> = {};
  if (typeof details.reason === 'string') safe.reason = details.reason;
  if (typeof details.permission === 'string') safe.permission = details.permission;
  return new AppError(code, { zh: '上传被拒绝', en: 'Upload refused' }, safe);
}

export interface HttpOptions {
  /** Trust X-Forwarded-For from these peers (the web server in front of the API). */
  trustProxy: 'none' | 'loopback' | 'all';
  onError?: (error: unknown, path: string | undefined) => void;
}

const LOOPBACK = /^(127\.|::1$|::ffff:127\.)/;

function clientIp(req: IncomingMessage, trust: HttpOptions['trustProxy']): string | null {
  const peer = req.socket.remoteAddress ?? null;
  const forwarded = req.headers['x-forwarded-for'];
  const trusted = trust === 'all' || (trust === 'loopback' && peer !== null && LOOPBACK.test(peer));
  if (trusted && typeof forwarded === 'string' && forwarded.trim() !== '') {
    return forwarded.split(',')[0]!.trim();
  }
  return peer;
}

function header(req: IncomingMessage, name: string): string | null {
  const value = req.headers[name];
  return typeof value === 'string' ? value : null;
}

export function requestInfoOf(req: IncomingMessage, trust: HttpOptions['trustProxy']): RequestInfo {
  const requestId = header(req, 'x-request-id');
  return {
    requestId: requestId && /^[A-Za-z0-9-]{8,64}$/.test(requestId) ? requestId : randomUUID(),
    ip: clientIp(req, trust),
    userAgent: header(req, 'user-agent')?.slice(0, 512) ?? null,
    cookies: parse(req.headers.cookie ?? ''),
    csrfHeader: header(req, 'x-csrf-token'),
  };
}

/** A context for one request: session resolved lazily, at most once. */
export function createContext(
  services: Services,
  request: RequestInfo,
  cookies: { set: ApiContext['setCookie']; clear: ApiContext['clearCookie'] },
): ApiContext {
  let session: Promise<SessionAccount | null> | undefined;
  return {
    ...services,
    request,
    setCookie: cookies.set,
    clearCookie: cookies.clear,
    session: () =>
      (session ??= resolveSession(services.db, {
        token: request.cookies[SESSION_COOKIE],
        idleMinutes: services.settings.sessionIdleMinutes,
      })),
  };
}

/** The API's HTTP surface: tRPC under /api/trpc, REST routes, tus uploads under /api/uploads, and /api/health. */
export function createApiHandler(services: Services, options: HttpOptions) {
  const trpc = createHTTPHandler({
    router: appRouter,
    basePath: '/api/trpc/',
    createContext: ({ req, res }) => {
      const request = requestInfoOf(req, options.trustProxy);
      res.setHeader('x-request-id', request.requestId);
      const cookieBase = { path: '/', sameSite: 'lax' as const, secure: services.settings.secureCookies };
      return createContext(services, request, {
        set: (name, value, opts) =>
          res.appendHeader(
            'set-cookie',
            serialize(name, value, { ...cookieBase, httpOnly: opts?.httpOnly ?? true, ...(opts?.maxAgeSeconds ? { maxAge: opts.maxAgeSeconds } : {}) }),
          ),
        clear: (name) => res.appendHeader('set-cookie', serialize(name, '', { ...cookieBase, httpOnly: true, maxAge: 0 })),
      });
    },
    onError: ({ error, path }) => {
      if (error.code === 'INTERNAL_SERVER_ERROR') options.onError?.(error.cause ?? error, path);
    },
  });

  const uploads = createUploadHandler(services, options);

  /**
   * The tus endpoint answers its own refusals (tus.ts); this wrapper reads the refusal it answered
   * (status and JSON body) and notes it like every other (refusals.ts): traced for a signed-in
   * caller, counted for an anonymous one. The envelope checks' reasons are left to the upload code.
   */
  const uploadsWithRefusals = async (req: IncomingMessage, res: ServerResponse, path: string) => {
    const request = requestInfoOf(req, options.trustProxy);
    const ctx = createContext(services, request, { set: () => {}, clear: () => {} });
    try {
      await assertNotRateLimited(ctx);
    } catch (error) {
      sendError(res, error);
      return;
    }
    // The refusal's body, to name its reason: tus writes it with write() and ends without a chunk
    // (its hooks' refusals: an upload refused at creation), our own send() with end(body).
    let body = '';
    const keep = (chunk: unknown) => {
      if (res.statusCode < 400 || body.length >= 4096) return;
      if (typeof chunk === 'string') body = (body + chunk).slice(0, 4096);
      else if (chunk instanceof Uint8Array) body = (body + Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength).toString('utf8')).slice(0, 4096);
    };
    const write = res.write.bind(res) as (...args: unknown[]) => boolean;
    res.write = ((...args: unknown[]) => {
      keep(args[0]);
      return write(...args);
    }) as ServerResponse['write'];
    const end = res.end.bind(res) as (...args: unknown[]) => ServerResponse;
    res.end = ((...args: unknown[]) => {
      keep(args[0]);
      return end(...args);
    }) as ServerResponse['end'];
    await uploads(req, res, path);
    const status = res.statusCode;
    if (status < 400 || status >= 500 || req.method === 'OPTIONS') return;
    const error = refusalOfUploadAnswer(status, body);
    if (refusalAlreadyTraced(req) || typeof error.details.permission === 'string' || ENVELOPE_REASONS.has(String(error.details.reason))) return;
    // The trace entry carries the request id the endpoint answered with.
    const answered = res.getHeader('x-request-id');
    if (typeof answered === 'string') request.requestId = answered;
    const uploadId = path.slice(UPLOAD_PATH.length).replace(/^\/|\/$/g, '');
    await noteRefusal(ctx, {
      path: `${req.method ?? 'GET'} ${UPLOAD_PATH}${uploadId ? '/:id' : ''}`,
      error,
      ...(uploadId ? { target: { type: 'bidUpload', id: uploadId.slice(0, 100) } } : {}),
    }).catch((e: unknown) => options.onError?.(e, path));
  };

  return async (req: IncomingMessage, res: ServerResponse) => {
    const url = req.url ?? '/';
    // Every browser needs a CSRF cookie before its first mutation (double-submit; see trpc.ts).
    if (!parse(req.headers.cookie ?? '')[CSRF_COOKIE]) {
      res.appendHeader(
        'set-cookie',
        serialize(CSRF_COOKIE, randomUUID(), { path: '/', sameSite: 'strict', secure: services.settings.secureCookies, httpOnly: false }),
      );
    }
    if (url.startsWith('/api/trpc/')) {
      // hall.watch: the SSE fast path (opening/hall-stream.ts); anything it declines goes to tRPC.
      if (url.startsWith(`${HALL_WATCH_PATH}?`) || url === HALL_WATCH_PATH) {
        const request = requestInfoOf(req, options.trustProxy);
        res.setHeader('x-request-id', request.requestId);
        const ctx = createContext(services, request, { set: () => {}, clear: () => {} });
        if (await serveHallWatch(ctx, req, res, new URL(url, 'http://api'))) return;
      }
      return trpc(req, res);
    }
    const path = url.split('?')[0]!;
    if (path === UPLOAD_PATH || path.startsWith(`${UPLOAD_PATH}/`)) return uploadsWithRefusals(req, res, path);
    if (path === '/api/time' || path.startsWith('/api/pki/') || path.startsWith('/api/receipts/') || path.startsWith('/api/sections/') || path.startsWith('/api/documents/') || path.startsWith('/api/bids/') || path.startsWith('/api/ocds/') || path.startsWith('/api/metrics/')) {
      const request = requestInfoOf(req, options.trustProxy);
      res.setHeader('x-request-id', request.requestId);
      const ctx = createContext(services, request, { set: () => {}, clear: () => {} });
      try {
        await assertNotRateLimited(ctx);
        if (await handleRest(ctx, req, res, path)) return;
      } catch (error) {
        if (!isAppError(error)) options.onError?.(error, path);
        else await noteRefusal(ctx, { path: `${req.method ?? 'GET'} ${routeNameOf(path)}`, error }).catch((e: unknown) => options.onError?.(e, path));
        sendError(res, error);
        return;
      }
    }
    if (url === '/api/health') {
      try {
        const status = await getTraceStatus(services.db);
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ ok: true, storage: services.store.kind, trace: status }));
      } catch (error) {
        options.onError?.(error, 'health');
        res.writeHead(503, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ ok: false }));
      }
      return;
    }
    res.writeHead(404, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ error: { zh: '没有这个地址', en: 'Not found' } }));
  };
}
