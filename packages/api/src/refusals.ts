/**
 * Every refusal is evidence (docs/decisions/012-refusals.md). A refusal of a signed-in caller is a
 * trace entry of its own: action `request.refused` (or the check's own action where it traces
 * itself), outcome `denied`, the procedure or route as target, and a reason code; never the input,
 * a signature, a token, a password or envelope bytes. The refused request's own transaction has
 * rolled back by then, so the entry commits on its own, like the role check's `auth.denied` and the
 * late submit's `bid.submit` denied.
 *
 * A refusal without a session is not traced (anyone could fill the log with them): it is counted
 * per reason and minute (GET /api/metrics/refusals) and takes a token from its address's bucket;
 * an address whose bucket is empty is answered 429 for requests without a session until it refills.
 */
import { appendTrace, type TraceActor } from '@ggzy/audit';
import type { Database } from '@ggzy/db';
import { AppError, isAppError, type AppErrorCode } from '@ggzy/domain';
import { LRUCache } from 'lru-cache';
import { actorOf, type ApiContext, type SessionAccount } from './context';

/** Errors whose check wrote its own trace entry already (role check, late submit, web page, …). */
const traced = new WeakSet<object>();

/**
 * Marks an error as traced where it was raised, so the generic refusal trace does not add a second
 * entry. Only for an error made for this request: a shared instance (a module-level constant) would
 * stay marked for every later request.
 */
export function markTraced<E extends object>(error: E): E {
  traced.add(error);
  return error;
}

export function isTraced(error: unknown): boolean {
  return typeof error === 'object' && error !== null && traced.has(error);
}

/**
 * Codes whose checks trace themselves or are not a caller's attempt: sign-in failures and locks
 * (auth.login.failed / .locked / .disabled, account.password.change failed) and server faults.
 */
const SELF_TRACED: ReadonlySet<AppErrorCode> = new Set(['INVALID_CREDENTIALS', 'ACCOUNT_LOCKED', 'ACCOUNT_DISABLED', 'INTERNAL']);

/** The reason code of a refusal: the check's own (`details.reason`), else one named after the error code. */
export function refusalReason(error: unknown): string {
  if (isAppError(error)) {
    const reason = error.details.reason;
    if (typeof reason === 'string' && /^[a-z0-9-]{1,64}$/.test(reason)) return reason;
    return error.code.toLowerCase().replace(/_/g, '-');
  }
  return 'invalid-input';
}

export interface RefusalFacts {
  /** The procedure (`bidding.submit`) or route (`GET /api/uploads/:id`). */
  path: string;
  error: unknown;
  /** What was asked for, when the path names an object (an upload id, a submission id). */
  target?: { type: string; id: string };
  /** For input refused by its schema: which fields, never their values. */
  fields?: string[];
}

/** Whether a refusal of a signed-in caller still needs its own entry. */
export function needsRefusalTrace(error: unknown): boolean {
  if (isTraced(error)) return false;
  if (isAppError(error)) return !SELF_TRACED.has(error.code);
  return true;
}

/** Appends the trace entry of one refusal of a signed-in caller (its own statement; see above). */
export async function traceRefusal(db: Database, actor: TraceActor, facts: RefusalFacts): Promise<void> {
  const code = isAppError(facts.error) ? facts.error.code : 'INVALID_INPUT';
  await appendTrace(db, actor, {
    action: 'request.refused',
    outcome: 'denied',
    targetType: facts.target?.type ?? 'procedure',
    targetId: facts.target?.id ?? facts.path,
    details: {
      reason: refusalReason(facts.error),
      code,
      ...(facts.target ? { path: facts.path } : {}),
      ...(facts.fields?.length ? { fields: facts.fields.slice(0, 10).join(',').slice(0, 300) } : {}),
    },
  });
}

// ---------------------------------------------------------------------------------------------
// Anonymous refusals: counted and rate-limited, never traced one by one.

/** Per address: this many anonymous refusals at once, refilled at this rate. */
export const ANONYMOUS_LIMIT = { burst: 60, perMinute: 60 } as const;

interface Bucket {
  tokens: number;
  at: number;
}

export interface RefusalCounts {
  /** Totals per reason since the process started. */
  total: Record<string, number>;
  /** Per minute (ISO minute, UTC), the last hour, oldest first. */
  minutes: Array<{ minute: string; counts: Record<string, number> }>;
  /** Requests answered 429 because their address had used up its anonymous refusals. */
  rateLimited: number;
}

/**
 * The counter and the token buckets for one API process. Buckets live in an LRU of bounded size
 * (lru-cache, already a dependency), so a flood from many addresses costs bounded memory; a
 * process that restarts forgets them, which only gives an address a fresh burst.
 */
export class AnonymousRefusals {
  private readonly buckets = new LRUCache<string, Bucket>({ max: 50_000 });
  private readonly total = new Map<string, number>();
  private readonly minutes = new Map<string, Map<string, number>>();
  private limited = 0;

  constructor(
    private readonly limit: { burst: number; perMinute: number } = ANONYMOUS_LIMIT,
    private readonly now: () => number = Date.now,
  ) {}

  private bucketOf(ip: string): Bucket {
    const now = this.now();
    const bucket = this.buckets.get(ip) ?? { tokens: this.limit.burst, at: now };
    bucket.tokens = Math.min(this.limit.burst, bucket.tokens + ((now - bucket.at) / 60_000) * this.limit.perMinute);
    bucket.at = now;
    this.buckets.set(ip, bucket);
    return bucket;
  }

  /** Counts one anonymous refusal and takes a token from its address. */
  record(ip: string | null, reason: string): void {
    this.count(reason);
    const bucket = this.bucketOf(ip ?? 'unknown');
    bucket.tokens = Math.max(0, bucket.tokens - 1);
  }

  /** True when the address has no anonymous refusals left (its next anonymous request gets 429). */
  exhausted(ip: string | null): boolean {
    // Asked on every request: an address that was never refused gets no bucket.
    if (!this.buckets.has(ip ?? 'unknown')) return false;
    return this.bucketOf(ip ?? 'unknown').tokens < 1;
  }

  /** Counts one 429 answered for an exhausted address. */
  recordLimited(): void {
    this.limited += 1;
    this.count('rate-limited');
  }

  private count(reason: string): void {
    this.total.set(reason, (this.total.get(reason) ?? 0) + 1);
    const minute = new Date(Math.floor(this.now() / 60_000) * 60_000).toISOString();
    let counts = this.minutes.get(minute);
    if (!counts) {
      this.minutes.set(minute, (counts = new Map()));
      // Keep the last hour.
      for (const key of [...this.minutes.keys()].slice(0, Math.max(0, this.minutes.size - 60))) this.minutes.delete(key);
    }
    counts.set(reason, (counts.get(reason) ?? 0) + 1);
  }

  counts(): RefusalCounts {
    return {
      total: Object.fromEntries(this.total),
      minutes: [...this.minutes].map(([minute, counts]) => ({ minute, counts: Object.fromEntries(counts) })),
      rateLimited: this.limited,
    };
  }
}

/** One counter per database (that is, per platform in this process; tests make several). */
const counters = new WeakMap<object, AnonymousRefusals>();

export function anonymousRefusalsOf(services: Pick<ApiContext, 'db' | 'settings'>): AnonymousRefusals {
  let counter = counters.get(services.db);
  if (!counter) counters.set(services.db, (counter = new AnonymousRefusals(services.settings.anonymousRefusalLimit ?? ANONYMOUS_LIMIT)));
  return counter;
}

export const RATE_LIMITED = () =>
  new AppError(
    'RATE_LIMITED',
    { zh: '未登录的请求被拒绝次数过多，请稍后再试或先登录', en: 'Too many refused requests without a session from your address; wait a minute or sign in' },
    { reason: 'rate-limited' },
  );

// ---------------------------------------------------------------------------------------------
// One place per transport decides: a signed-in caller's refusal is traced, an anonymous one counted.

/** The envelope checks' reasons at upload time belong to the upload code (tus.ts / uploads.ts), which traces them itself. */
export const ENVELOPE_REASONS: ReadonlySet<string> = new Set(['envelope-refused', 'wrong-suite', 'digest-mismatch', 'size-mismatch', 'upload-section']);

/** The session of the request, or null (also when it has expired: the caller is then anonymous). */
export async function sessionOrNull(ctx: Pick<ApiContext, 'session'>): Promise<SessionAccount | null> {
  try {
    return await ctx.session();
  } catch {
    return null;
  }
}

/** Answers 429 before any work when the address has used up its anonymous refusals and has no session. */
export async function assertNotRateLimited(ctx: Pick<ApiContext, 'db' | 'settings' | 'request' | 'session'>): Promise<void> {
  const limiter = anonymousRefusalsOf(ctx);
  if (!limiter.exhausted(ctx.request.ip)) return;
  if (await sessionOrNull(ctx)) return;
  limiter.recordLimited();
  throw RATE_LIMITED();
}

/** After a refused request: the trace entry of a signed-in caller's refusal, or the count of an anonymous one. */
export async function noteRefusal(ctx: Pick<ApiContext, 'db' | 'settings' | 'request' | 'session'>, facts: RefusalFacts): Promise<void> {
  if (isAppError(facts.error) && (facts.error.code === 'INTERNAL' || facts.error.code === 'RATE_LIMITED')) return;
  const account = await sessionOrNull(ctx);
  if (!account) {
    anonymousRefusalsOf(ctx).record(ctx.request.ip, refusalReason(facts.error));
    return;
  }
  if (!needsRefusalTrace(facts.error)) return;
  await traceRefusal(ctx.db, actorOf(ctx.request, account), facts);
}
