/**
 * A signed-in conversation with a running platform over its public HTTP API, as the browser has one:
 * a cookie jar (the session cookie is httpOnly on the web; here we simply keep it) and the CSRF
 * double-submit answered by sending our own `ggzy_csrf` cookie and the same value in `x-csrf-token`.
 * The same headers go on the tus upload requests, so uploads are tied to the same session.
 */
import type { AppRouter } from '@ggzy/api';
import { createTRPCClient, getUntypedClient, httpLink } from '@trpc/client';
import { randomUUID } from 'node:crypto';
import type { z } from 'zod';
import { CliError } from './errors';

export const DEFAULT_API = 'http://127.0.0.1:3001';

export interface Session {
  baseUrl: string;
  /** The typed client, for procedures that exist in this checkout's router. */
  client: ReturnType<typeof createTRPCClient<AppRouter>>;
  /** Headers that carry the session: cookies, CSRF token, user agent. */
  headers(): Record<string, string>;
  /** Calls a procedure and checks the answer against the contract's schema (zod at the edge). */
  query<T extends z.ZodType>(path: string, input: unknown, schema: T): Promise<z.infer<T>>;
  mutate<T extends z.ZodType>(path: string, input: unknown, schema: T): Promise<z.infer<T>>;
  /** A plain GET of a REST resource under the API (JSON). */
  getJson<T extends z.ZodType>(path: string, schema: T): Promise<z.infer<T>>;
  login(username: string, password: string): Promise<void>;
  logout(): Promise<void>;
}

export function openSession(baseUrl: string): Session {
  const csrf = randomUUID();
  const cookies = new Map<string, string>([['ggzy_csrf', csrf]]);
  const headers = () => ({
    cookie: [...cookies].map(([k, v]) => `${k}=${v}`).join('; '),
    'x-csrf-token': csrf,
    'user-agent': 'ggzy-cli',
  });
  const keepCookies = (response: Response) => {
    for (const line of response.headers.getSetCookie()) {
      const [pair] = line.split(';');
      const eq = pair!.indexOf('=');
      if (eq > 0) cookies.set(pair!.slice(0, eq).trim(), pair!.slice(eq + 1).trim());
    }
  };
  const client = createTRPCClient<AppRouter>({
    links: [
      httpLink({
        url: new URL('/api/trpc', baseUrl).toString(),
        headers,
        fetch: async (input, init) => {
          const response = await fetch(input, init).catch((error: unknown) => {
            throw unreachable(baseUrl, error);
          });
          keepCookies(response);
          return response;
        },
      }),
    ],
  });
  const untyped = getUntypedClient(client);

  const checked = <T extends z.ZodType>(path: string, schema: T, value: unknown): z.infer<T> => {
    const parsed = schema.safeParse(value);
    if (parsed.success) return parsed.data;
    const issue = parsed.error.issues[0]!;
    throw new CliError(
      `平台对 ${path} 的回答不符合约定（${issue.path.join('.')}: ${issue.message}）/ the platform's answer to ${path} does not match the contract (${issue.path.join('.')}: ${issue.message})`,
    );
  };

  return {
    baseUrl,
    client,
    headers,
    query: async (path, input, schema) => checked(path, schema, await untyped.query(path, input)),
    mutate: async (path, input, schema) => checked(path, schema, await untyped.mutation(path, input)),
    async getJson(path, schema) {
      const response = await fetch(new URL(path, baseUrl), { headers: headers() }).catch((error: unknown) => {
        throw unreachable(baseUrl, error);
      });
      keepCookies(response);
      const body: unknown = await response.json().catch(() => null);
      if (!response.ok) {
        const message = (body as { message?: unknown; error?: { zh?: string; en?: string } } | null) ?? {};
        const text = typeof message.message === 'string' ? message.message : message.error ? `${message.error.zh} / ${message.error.en}` : `HTTP ${response.status}`;
        throw new CliError(`${path}: ${text}`);
      }
      return checked(path, schema, body);
    },
    async login(username, password) {
      await untyped.mutation('auth.login', { username, password });
    },
    async logout() {
      await untyped.mutation('auth.logout', undefined).catch(() => {});
    },
  };
}

function unreachable(baseUrl: string, error: unknown): CliError {
  const cause = error instanceof Error && error.cause instanceof Error ? error.cause.message : String(error);
  return new CliError(`无法连接平台 ${baseUrl} / cannot reach the platform at ${baseUrl} (${cause})`);
}

export interface SignInOptions {
  api: string;
  user?: string | undefined;
  password?: string | undefined;
}

/** Opens a session and signs in; the password comes from the option or GGZY_PASSWORD. */
export async function signIn(options: SignInOptions): Promise<Session> {
  const password = options.password ?? process.env.GGZY_PASSWORD;
  if (!options.user) throw new CliError('请用 --user 指定账号 / give the account with --user');
  if (!password) throw new CliError('缺少密码：请用 --password 或 GGZY_PASSWORD / a password is needed: --password or GGZY_PASSWORD');
  const session = openSession(options.api);
  await session.login(options.user, password);
  return session;
}
