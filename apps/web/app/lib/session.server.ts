import type { Role } from '@ggzy/domain';
import { data, redirect, type AppLoadContext } from 'react-router';
import { serverApi, type ServerApi } from './api.server';
import { apiErrorOf, type ApiError } from './errors';

export type Me = NonNullable<Awaited<ReturnType<ServerApi['auth']['me']['query']>>>;

export interface SessionState {
  me: Me | null;
  /** Why there is no session although the browser sent one (expired, disabled), from the API. */
  problem: ApiError | null;
  /** The API could not be reached at all. */
  unreachable: boolean;
}

// One auth.me per incoming request, however many loaders ask.
const cache = new WeakMap<Request, Promise<SessionState>>();

export function getSession(request: Request, context: AppLoadContext): Promise<SessionState> {
  let state = cache.get(request);
  if (!state) {
    state = serverApi(request, context)
      .auth.me.query()
      .then(
        (me): SessionState => ({ me, problem: null, unreachable: false }),
        (error: unknown): SessionState => {
          const problem = apiErrorOf(error);
          return { me: null, problem, unreachable: problem === null };
        },
      );
    cache.set(request, state);
  }
  return state;
}

/** A path on this site to come back to after signing in; anything else becomes the default. */
export function safeNext(value: string | null, fallback = '/w'): string {
  if (!value || !value.startsWith('/') || value.startsWith('//') || value.startsWith('/\\')) return fallback;
  return value;
}

/** The signed-in account, or a redirect to the sign-in page that comes back here. */
export async function requireAccount(request: Request, context: AppLoadContext): Promise<Me> {
  const session = await getSession(request, context);
  if (session.me) return session.me;
  if (session.unreachable) throw data({ kind: 'unavailable' as const }, { status: 503 });
  const url = new URL(request.url);
  const params = new URLSearchParams({ next: url.pathname + url.search });
  if (session.problem?.code === 'SESSION_EXPIRED') params.set('reason', 'expired');
  throw redirect(`/login?${params}`);
}

export interface Forbidden {
  kind: 'forbidden';
  /** The workspace that was asked for, and the role of the account that asked. */
  page: Role;
  role: Role;
}

/** The signed-in account if its role is `role`; otherwise a 403 (never the other workspace). */
export async function requireRole(request: Request, context: AppLoadContext, role: Role): Promise<Me> {
  const me = await requireAccount(request, context);
  if (me.role !== role) {
    // The API refuses it too, and traces the refusal (the web server keeps no log of its own).
    const url = new URL(request.url);
    await serverApi(request, context)
      .auth.workspace.query({ workspace: role, page: url.pathname.slice(0, 300) })
      .catch(() => {});
    throw data({ kind: 'forbidden', page: role, role: me.role } satisfies Forbidden, { status: 403 });
  }
  return me;
}
