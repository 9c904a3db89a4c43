import type { IncomingMessage, ServerResponse } from 'node:http';
import { z } from 'zod';
import type { ApiContext } from '../context';
import { streamLive } from '../live/sse';
import { assertNotRateLimited } from '../refusals';
import { hallRoleOf, loadHall } from './access';
import { hallTopic } from './events';

/** hall.watch's input (routers/hall.ts), read here too. */
export const hallWatchInput = z.object({ sectionId: z.uuid(), lastEventId: z.string().regex(/^\d{1,15}$/).nullish() });

/** The tRPC path the browser's httpSubscriptionLink opens for hall.watch. */
export const HALL_WATCH_PATH = '/api/trpc/hall.watch';

/**
 * The id to resume after, as tRPC reads it for a subscription: the `Last-Event-ID` header (the
 * EventSource's own reconnect), else the `lastEventId` or `Last-Event-Id` query parameter, else the
 * input's `lastEventId` (httpSubscriptionLink puts the last tracked id there when it reconnects).
 */
function lastEventIdOf(req: IncomingMessage, searchParams: URLSearchParams, input: { lastEventId?: string | null | undefined }): string | null | undefined {
  const header = req.headers['last-event-id'];
  return (typeof header === 'string' ? header : null) ?? searchParams.get('lastEventId') ?? searchParams.get('Last-Event-Id') ?? input.lastEventId;
}

/**
 * hall.watch over SSE, answered by the API itself rather than through tRPC's per-connection stream
 * (docs/decisions/014-live-events.md, addendum): the caller's session decides the audiences once, as
 * the procedure does, and the connection is then fed by the process's hub with bytes serialised once
 * per event (live/sse.ts), in the wire format httpSubscriptionLink reads. Returns false, having
 * written nothing, whenever the request is not a plain valid watch the caller may make (wrong
 * method, malformed input or id, unknown hall, rate-limited): tRPC then answers it, with the
 * refusal it always gave.
 */
export async function serveHallWatch(ctx: ApiContext, req: IncomingMessage, res: ServerResponse, url: URL): Promise<boolean> {
  if (req.method !== 'GET') return false;
  let raw: unknown = {};
  try {
    const input = url.searchParams.get('input');
    if (input !== null) raw = JSON.parse(input);
  } catch {
    return false;
  }
  const parsed = hallWatchInput.safeParse(raw);
  if (!parsed.success) return false;
  const lastEventId = lastEventIdOf(req, url.searchParams, parsed.data);
  if (lastEventId != null && !/^\d{1,15}$/.test(lastEventId)) return false;
  let audiences: string[];
  try {
    await assertNotRateLimited(ctx);
    const { section } = await loadHall(ctx.db, parsed.data.sectionId);
    audiences = (await hallRoleOf(ctx.db, section, await ctx.session())).audiences;
  } catch {
    return false;
  }
  await streamLive(ctx, res, { topic: hallTopic(parsed.data.sectionId), after: Number(lastEventId ?? 0), audiences });
  return true;
}
