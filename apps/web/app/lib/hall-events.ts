/**
 * The hall page applies most live events to the snapshot it holds (docs/opening-hall.md §4), so
 * that a thousand watchers of one hall do not each read `hall.get` again after every event. Events
 * it cannot apply exactly (a new hall, the window's end, what only the server can derive such as
 * queue places or the bids left for the host to decide, kinds it does not know) return null: the
 * page then reads the snapshot again. Every application is idempotent (an event may repeat what
 * the snapshot already shows).
 */

export interface HallEventLike {
  kind: string;
  payload: Record<string, unknown>;
  at: string;
}

interface RowLike {
  position: number;
  organisationId: string;
}

/** The parts of the `hall.get` snapshot the events touch. */
export interface HallLike {
  section: { state: string };
  hall: {
    state: string;
    paused: boolean;
    pauseReason: string | null;
    windowMinutes: number | null;
    decryptionStartedAt: string | null;
    decryptionEndsAt: string | null;
    windowOpen: boolean;
    extension: { minutes: number | null; reason: string | null; at: string | null } | null;
    confirmationEndsAt: string | null;
    confirmationRecordSha256: string | null;
    recordSha256: string | null;
  };
  me: { role: string; organisationId: string | null };
  bidders: Array<{ organisationId: string; signedInAt: string | null; state: string; reason: string | null; queuePosition: number | null }>;
  record: RowLike[];
  messages: Array<{ id: string; text: string; at: string }>;
  objections: Array<{ id: string; organisationId: string; text: string; at: string; answer: string | null; answeredAt: string | null }>;
  confirmations: Array<{ organisationId: string; at: string }>;
}

const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);

export function applyHallEvent<H extends HallLike>(current: H, event: HallEventLike): H | null {
  const p = event.payload;
  const hall = current.hall;
  const withHall = (changes: Partial<HallLike['hall']>): H => ({ ...current, hall: { ...hall, ...changes } });
  const withBidder = (organisationId: unknown, changes: Partial<HallLike['bidders'][number]>): H | null => {
    if (!current.bidders.some((b) => b.organisationId === organisationId)) return null;
    return { ...current, bidders: current.bidders.map((b) => (b.organisationId === organisationId ? { ...b, ...changes } : b)) };
  };
  // Queue places are shown to the host, the supervisor and the bidder itself: only the server knows them.
  const seesQueue = (organisationId: unknown) => current.me.role === 'host' || current.me.role === 'supervisor' || current.me.organisationId === organisationId;

  switch (event.kind) {
    case 'hall.signedIn':
      return withBidder(p.organisationId, { signedInAt: str(p.at) });
    case 'hall.decryptionStarted':
      return withHall({ state: 'decrypting', windowMinutes: typeof p.minutes === 'number' ? p.minutes : hall.windowMinutes, decryptionStartedAt: str(p.startedAt), decryptionEndsAt: str(p.endsAt), windowOpen: true });
    case 'hall.decryptionExtended':
      return withHall({ decryptionEndsAt: str(p.endsAt), windowOpen: true, extension: { minutes: typeof p.minutes === 'number' ? p.minutes : null, reason: str(p.reason), at: event.at } });
    case 'hall.paused':
      return withHall({ paused: true, pauseReason: str(p.reason) });
    case 'hall.resumed':
      return withHall({ paused: false, pauseReason: null, decryptionEndsAt: str(p.endsAt) ?? hall.decryptionEndsAt });
    case 'hall.message': {
      const id = str(p.id);
      if (!id) return null;
      if (current.messages.some((m) => m.id === id)) return current;
      return { ...current, messages: [...current.messages, { id, text: str(p.text) ?? '', at: str(p.at) ?? event.at }] };
    }
    case 'bid.decrypting':
      return seesQueue(p.organisationId) ? null : withBidder(p.organisationId, { state: 'decrypting', reason: null, queuePosition: null });
    case 'bid.failed':
      return seesQueue(p.organisationId) ? null : withBidder(p.organisationId, { state: 'failed', reason: str(p.reason), queuePosition: null });
    case 'bid.decrypted':
      return withBidder(p.organisationId, { state: 'decrypted', reason: null, queuePosition: null });
    case 'bid.decided': {
      const outcome = str(p.outcome);
      if (outcome !== 'revoked' && outcome !== 'withdrawn') return null;
      return withBidder(p.organisationId, { state: outcome, reason: str(p.reason), queuePosition: null });
    }
    case 'record.row': {
      const row = p.row as (RowLike & Record<string, unknown>) | undefined;
      if (!row || typeof row.position !== 'number') return null;
      const record = [...current.record.filter((r) => r.organisationId !== row.organisationId), row].sort((a, b) => a.position - b.position);
      return { ...current, record: record as H['record'] };
    }
    case 'hall.reading':
      return withHall({ state: 'reading', windowOpen: false });
    case 'hall.confirmationOpened':
      return withHall({ state: 'confirming', confirmationRecordSha256: str(p.recordSha256), confirmationEndsAt: str(p.endsAt) });
    case 'record.confirmed': {
      const organisationId = str(p.organisationId);
      if (!organisationId) return null;
      if (current.confirmations.some((c) => c.organisationId === organisationId)) return current;
      return { ...current, confirmations: [...current.confirmations, { organisationId, at: str(p.at) ?? event.at }] };
    }
    case 'record.objection': {
      const id = str(p.id);
      const organisationId = str(p.organisationId);
      if (!id || !organisationId) return null;
      if (current.objections.some((o) => o.id === id)) return current;
      return { ...current, objections: [...current.objections, { id, organisationId, text: str(p.text) ?? '', at: str(p.at) ?? event.at, answer: null, answeredAt: null }] };
    }
    case 'record.answer': {
      const id = str(p.id);
      if (!current.objections.some((o) => o.id === id)) return null;
      return { ...current, objections: current.objections.map((o) => (o.id === id ? { ...o, answer: str(p.answer), answeredAt: str(p.at) ?? event.at } : o)) };
    }
    case 'hall.closed':
      return { ...withHall({ state: 'closed', recordSha256: str(p.recordSha256), windowOpen: false }), section: { ...current.section, state: str(p.sectionState) ?? current.section.state } };
    default:
      // hall.opened, the window's end, recoveries and whatever comes later: read the snapshot.
      return null;
  }
}
