import { AppError, isAppError, type Access, type AppErrorCode, type Permission } from '@ggzy/domain';
import { initTRPC, TRPCError, type TRPC_ERROR_CODE_KEY } from '@trpc/server';
import { constantTimeEqual } from '@ggzy/crypto';
import { authorizeAccess } from './authorize';
import { CSRF_COOKIE, type ApiContext, type SessionAccount } from './context';
import { assertNotRateLimited, noteRefusal } from './refusals';

export interface Meta {
  /** The permission this procedure needs (or a list, any one of which suffices), or 'public'. Every procedure declares one. */
  access: Access | readonly Permission[];
}

/** The one mapping from the platform's error codes to tRPC's (and so to HTTP statuses). */
export const TRPC_CODE: Record<AppErrorCode, TRPC_ERROR_CODE_KEY> = {
  UNAUTHENTICATED: 'UNAUTHORIZED',
  SESSION_EXPIRED: 'UNAUTHORIZED',
  INVALID_CREDENTIALS: 'UNAUTHORIZED',
  ACCOUNT_LOCKED: 'TOO_MANY_REQUESTS',
  ACCOUNT_DISABLED: 'FORBIDDEN',
  PERMISSION_DENIED: 'FORBIDDEN',
  CSRF_REJECTED: 'FORBIDDEN',
  RATE_LIMITED: 'TOO_MANY_REQUESTS',
  INVALID_INPUT: 'BAD_REQUEST',
  NOT_FOUND: 'NOT_FOUND',
  CONFLICT: 'CONFLICT',
  RULE_VIOLATION: 'UNPROCESSABLE_CONTENT',
  INTERNAL: 'INTERNAL_SERVER_ERROR',
};

export interface AppErrorData {
  code: AppErrorCode;
  zh: string;
  en: string;
  details: Record<string, string | number | boolean | null>;
  /** For INVALID_INPUT: which field, and what is wrong with it. */
  fields?: Array<{ path: string; message: string }>;
}

interface SchemaIssue {
  path?: ReadonlyArray<PropertyKey | { key: PropertyKey }>;
  message: string;
}

function hasIssues(cause: unknown): cause is { issues: SchemaIssue[] } {
  return typeof cause === 'object' && cause !== null && Array.isArray((cause as { issues?: unknown }).issues);
}

/** Input that failed its zod schema (reported by tRPC as a ZodError or a Standard Schema error). */
function describeIssues(issues: SchemaIssue[]): AppErrorData {
  const fields = issues.map((issue) => ({
    path: (issue.path ?? []).map((p) => String(typeof p === 'object' ? p.key : p)).join('.') || '(input)',
    message: issue.message,
  }));
  const list = fields.map((f) => `${f.path}: ${f.message}`).join('; ');
  return {
    code: 'INVALID_INPUT',
    zh: `输入有误（${list}）`,
    en: `Invalid input (${list})`,
    details: {},
    fields,
  };
}

const t = initTRPC
  .context<ApiContext>()
  .meta<Meta>()
  .create({
    errorFormatter({ shape, error }) {
      const cause = error.cause;
      let app: AppErrorData;
      if (isAppError(cause)) {
        app = { code: cause.code, zh: cause.zh, en: cause.en, details: cause.details };
      } else if (hasIssues(cause)) {
        app = describeIssues(cause.issues);
      } else if (error.code === 'NOT_FOUND' && !cause) {
        app = { code: 'NOT_FOUND', zh: '没有这个接口', en: 'No such procedure', details: {} };
      } else if (error.code === 'BAD_REQUEST' || error.code === 'PARSE_ERROR' || error.code === 'METHOD_NOT_SUPPORTED') {
        app = { code: 'INVALID_INPUT', zh: `请求格式错误：${error.message}`, en: `Malformed request: ${error.message}`, details: {} };
      } else {
        app = { code: 'INTERNAL', zh: '服务器内部错误，请稍后再试', en: 'Internal server error; please try again later', details: {} };
      }
      const message = `${app.zh} / ${app.en}`;
      // Internal details never leave the server; they are logged by the adapter.
      return { ...shape, message, data: { code: shape.data.code, httpStatus: shape.data.httpStatus, path: shape.data.path, app } };
    },
  });

export const router = t.router;
export const createCallerFactory = t.createCallerFactory;

/** Turns an AppError thrown anywhere below into a tRPC error of the mapped code. */
const mapErrors = t.middleware(async ({ next }) => {
  const result = await next();
  if (!result.ok && isAppError(result.error.cause) && result.error.code === 'INTERNAL_SERVER_ERROR') {
    const cause = result.error.cause;
    throw new TRPCError({ code: TRPC_CODE[cause.code], message: cause.message, cause });
  }
  return result;
});

/**
 * Double-submit CSRF check on every mutation: the `x-csrf-token` header must equal the `ggzy_csrf`
 * cookie. A page on another origin can make the browser send the cookie but cannot read it to set
 * the header. Cookies are also SameSite=Lax (and the session cookie httpOnly).
 */
const csrf = t.middleware(async ({ ctx, type, next }) => {
  if (type === 'mutation') {
    const cookie = ctx.request.cookies[CSRF_COOKIE];
    const header = ctx.request.csrfHeader;
    if (!cookie || !header || !constantTimeEqual(cookie, header)) {
      throw new AppError('CSRF_REJECTED', {
        zh: '请求校验失败（CSRF），请刷新页面后重试',
        en: 'The request failed its CSRF check; reload the page and try again',
      });
    }
  }
  return next();
});

/** Resolves the session and checks the declared permission (see authorize.ts). */
const authorize = t.middleware(async ({ ctx, meta, path, next }) => {
  const access = meta?.access;
  if (!access) {
    // Unreachable through `procedure()`; guards a procedure built some other way.
    throw new AppError('INTERNAL', { zh: '接口未声明权限', en: `Procedure ${path} declares no permission` });
  }
  if (access === 'public') return next({ ctx: { account: null as SessionAccount | null } });
  const account = await authorizeAccess(ctx, access, path);
  return next({ ctx: { account } });
});

/**
 * Every refusal is evidence (refusals.ts): after a refused call, the signed-in caller's refusal is
 * a trace entry with its reason code, an anonymous one is counted and rate-limited per address.
 * Wraps the CSRF check, the role check and the input schema, so each of their refusals is seen.
 */
const refusals = t.middleware(async ({ ctx, path, next }) => {
  await assertNotRateLimited(ctx);
  const result = await next();
  if (!result.ok) {
    const error = result.error;
    const cause = error.cause;
    if (isAppError(cause)) {
      await noteRefusal(ctx, { path, error: cause });
    } else if (hasIssues(cause)) {
      const { fields } = describeIssues(cause.issues);
      await noteRefusal(ctx, { path, error: new AppError('INVALID_INPUT', { zh: '输入有误', en: 'Invalid input' }, { reason: 'invalid-input' }), fields: fields?.map((f) => f.path) });
    } else if (error.code === 'BAD_REQUEST' || error.code === 'PARSE_ERROR') {
      await noteRefusal(ctx, { path, error: new AppError('INVALID_INPUT', { zh: '请求格式错误', en: 'Malformed request' }, { reason: 'malformed-request' }) });
    }
  }
  return result;
});

const base = t.procedure.use(mapErrors).use(refusals).use(csrf);

/** A public procedure: anyone may call it, signed in or not. */
export function publicProcedure() {
  return base.meta({ access: 'public' }).use(authorize);
}

/** A procedure for signed-in accounts whose role holds `permission` (or any one of a list). */
export function procedure<P extends Exclude<Access, 'public'> | readonly Permission[]>(permission: P) {
  return base
    .meta({ access: permission })
    .use(authorize)
    .use(({ ctx, next }) => next({ ctx: { account: ctx.account! } }));
}
