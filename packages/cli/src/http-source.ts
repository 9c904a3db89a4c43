import type { LogSource } from '@ggzy/audit';
import { openSession } from './session';

export { describeError } from './errors';

/**
 * A session with a running platform over its public HTTP API, as any outside verifier would have:
 * it keeps the cookies the platform sets and answers the CSRF double-submit check itself.
 */
export function connect(baseUrl: string) {
  return openSession(baseUrl).client;
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
