import type { AppRouter } from '@ggzy/api';
import type { LogSource } from '@ggzy/audit';
import { createTRPCClient, httpLink, TRPCClientError } from '@trpc/client';
import { randomUUID } from 'node:crypto';

/**
 * A session with a running platform over its public HTTP API, as any outside verifier would have:
 * it keeps the cookies the platform sets and answers the CSRF double-submit check itself.
 */
export function connect(baseUrl: string) {
  const csrf = randomUUID();
  const cookies = new Map<string, string>([['ggzy_csrf', csrf]]);
  const client = createTRPCClient<AppRouter>({
    links: [
      httpLink({
        url: new URL('/api/trpc', baseUrl).toString(),
        headers: () => ({
          cookie: [...cookies].map(([k, v]) => `${k}=${v}`).join('; '),
          'x-csrf-token': csrf,
          'user-agent': 'ggzy-cli',
        }),
        fetch: async (input, init) => {
          const response = await fetch(input, init);
          for (const line of response.headers.getSetCookie()) {
            const [pair] = line.split(';');
            const eq = pair!.indexOf('=');
            if (eq > 0) cookies.set(pair!.slice(0, eq).trim(), pair!.slice(eq + 1).trim());
          }
          return response;
        },
      }),
    ],
  });
  return client;
}

export type PlatformClient = ReturnType<typeof connect>;

export function logSource(client: PlatformClient, pageSize = 10_000): LogSource {
  return {
    async checkpoints() {
      const notes: string[] = [];
      for (let fromSize = 0; ; ) {
        const page = await client.log.checkpoints.query({ fromSize, limit: pageSize });
        notes.push(...page.map((c) => c.note));
        if (page.length < pageSize) return notes;
        fromSize = page.at(-1)!.size + 1;
      }
    },
    entries: (fromSeq, limit) => client.log.entries.query({ fromSeq, limit: Math.min(limit, pageSize) }),
  };
}

/** The platform's own bilingual message for an API error, or the error's text. */
export function describeError(error: unknown): string {
  if (error instanceof TRPCClientError) return error.message;
  if (error instanceof Error && 'cause' in error && error.cause instanceof Error) return `${error.message}: ${error.cause.message}`;
  return error instanceof Error ? error.message : String(error);
}
