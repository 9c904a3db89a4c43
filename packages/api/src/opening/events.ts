/**
 * The opening hall's live events (docs/opening-hall.md §4): one ordered stream per section,
 * `hall:<section id>`, each event published in the transaction of the change it reports, beside its
 * trace entry (publishLive). Audiences: empty = everyone watching (the public included); `host` =
 * the centre staff of the section's centre; `supervisor`; `bidder:<organisation id>` = one company.
 * No bid content is ever in an event before it is read out (the `record.row` event is the reading out).
 */
import type { Database } from '@ggzy/db';
import { publishLive, type LiveEvent } from '../live/publish';

export const hallTopic = (sectionId: string) => `hall:${sectionId}`;
export const bidderAudience = (organisationId: string) => `bidder:${organisationId}`;
export const HOST_AUDIENCE = 'host';
export const SUPERVISOR_AUDIENCE = 'supervisor';

/** Every kind of hall event, with what its payload carries (docs/opening-hall.md §4). */
export type HallEventKind =
  | 'hall.opened'
  | 'hall.signedIn'
  | 'hall.decryptionStarted'
  | 'hall.decryptionExtended'
  | 'hall.windowClosed'
  | 'hall.paused'
  | 'hall.resumed'
  | 'hall.message'
  | 'bid.decrypting'
  | 'bid.failed'
  | 'bid.decrypted'
  | 'bid.decided'
  | 'bid.shareSubmitted'
  | 'bid.recoveryFailed'
  | 'bid.recovered'
  | 'record.row'
  | 'hall.reading'
  | 'hall.confirmationOpened'
  | 'record.confirmed'
  | 'record.objection'
  | 'record.answer'
  | 'hall.closed';

export function publishHall(tx: Database, sectionId: string, kind: HallEventKind, payload: Record<string, unknown>, audience?: string[]): Promise<LiveEvent> {
  return publishLive(tx, { topic: hallTopic(sectionId), kind, payload: { sectionId, ...payload }, audience });
}
