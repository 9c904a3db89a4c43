import { tracked, type TrackedEnvelope } from '@trpc/server';
import type { Database } from '@ggzy/db';
import type { LiveEvent } from './publish';
import { watchLive, type LiveHub } from './watch';

/**
 * The body of a live tRPC subscription (the hall's, later the evaluation's): every event of `topic`
 * after `lastEventId` that `audiences` may see, each tracked with its seq as the SSE event id, so
 * httpSubscriptionLink's reconnect (to this or another API process) sends the last id it saw and the
 * watcher continues with no gap and no duplicate. The procedure declares `lastEventId` in its input
 * (zod: `z.string().nullish()`) and checks the permission and audiences before calling this.
 */
export async function* liveSubscription(
  ctx: { db: Database; live?: LiveHub | undefined },
  topic: string,
  lastEventId: string | null | undefined,
  audiences: string[],
  signal: AbortSignal | undefined,
): AsyncGenerator<TrackedEnvelope<LiveEvent>> {
  const after = lastEventId && /^\d{1,15}$/.test(lastEventId) ? Number(lastEventId) : 0;
  for await (const event of watchLive(ctx, { topic, after, audiences, ...(signal ? { signal } : {}) })) {
    yield tracked(String(event.seq), event);
  }
}
