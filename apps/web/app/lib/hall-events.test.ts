import { describe, expect, it } from 'vitest';
import { applyHallEvent, type HallLike } from './hall-events';

const A = '00000000-0000-4000-8000-00000000000a';
const B = '00000000-0000-4000-8000-00000000000b';

function snapshot(role = 'public', organisationId: string | null = null): HallLike {
  return {
    section: { state: 'opening' },
    hall: { state: 'open', paused: false, pauseReason: null, windowMinutes: 30, decryptionStartedAt: null, decryptionEndsAt: null, windowOpen: false, extension: null, confirmationEndsAt: null, confirmationRecordSha256: null, recordSha256: null },
    me: { role, organisationId },
    bidders: [A, B].map((id) => ({ organisationId: id, signedInAt: null, state: 'waiting', reason: null, queuePosition: null })),
    record: [],
    messages: [],
    objections: [],
    confirmations: [],
  };
}
const event = (kind: string, payload: Record<string, unknown>) => ({ kind, payload, at: '2026-12-07T02:00:00.000Z' });

describe('applying hall events to the snapshot', () => {
  it('follows an opening from sign-in to close without reading the snapshot again', () => {
    let hall = snapshot();
    const steps = [
      event('hall.signedIn', { organisationId: A, at: '2026-12-07T02:00:01.000Z' }),
      event('hall.decryptionStarted', { state: 'decrypting', minutes: 30, startedAt: '2026-12-07T02:01:00.000Z', endsAt: '2026-12-07T02:31:00.000Z' }),
      event('hall.paused', { reason: '网络故障', at: '2026-12-07T02:02:00.000Z' }),
      event('hall.resumed', { reason: '已恢复', at: '2026-12-07T02:05:00.000Z', endsAt: '2026-12-07T02:34:00.000Z' }),
      event('hall.message', { id: 'm1', text: '请尽快解密', at: '2026-12-07T02:06:00.000Z' }),
      event('bid.decrypting', { organisationId: A }),
      event('bid.decrypted', { organisationId: A, matchesReceipt: true }),
      event('record.row', { row: { position: 2, organisationId: B, outcome: 'revoked' } }),
      event('record.row', { row: { position: 1, organisationId: A, outcome: 'decrypted', priceFen: 100 } }),
      event('bid.decided', { organisationId: B, outcome: 'revoked', reason: '证书丢失' }),
      event('hall.reading', { state: 'reading' }),
      event('hall.confirmationOpened', { state: 'confirming', recordSha256: 'ab'.repeat(32), endsAt: '2026-12-07T03:00:00.000Z' }),
      event('record.objection', { id: 'o1', organisationId: B, text: '工期有误，请核实', at: '2026-12-07T02:40:00.000Z' }),
      event('record.answer', { id: 'o1', answer: '已核实无误', at: '2026-12-07T02:41:00.000Z' }),
      event('record.confirmed', { organisationId: A, at: '2026-12-07T02:42:00.000Z' }),
      event('hall.closed', { state: 'closed', sectionState: 'evaluating', recordSha256: 'cd'.repeat(32) }),
    ];
    for (const step of steps) {
      const next = applyHallEvent(hall, step);
      expect(next, step.kind).not.toBeNull();
      // Applying the same event twice changes nothing more.
      expect(applyHallEvent(next!, step)).toEqual(next);
      hall = next!;
    }
    expect(hall.bidders.map((b) => [b.state, b.signedInAt !== null])).toEqual([['decrypted', true], ['revoked', false]]);
    expect(hall.hall).toMatchObject({ state: 'closed', paused: false, decryptionEndsAt: '2026-12-07T02:34:00.000Z', recordSha256: 'cd'.repeat(32), confirmationRecordSha256: 'ab'.repeat(32) });
    expect(hall.section.state).toBe('evaluating');
    expect(hall.record.map((r) => r.position)).toEqual([1, 2]);
    expect(hall.messages.map((m) => m.text)).toEqual(['请尽快解密']);
    expect(hall.objections[0]).toMatchObject({ answer: '已核实无误' });
    expect(hall.confirmations.map((c) => c.organisationId)).toEqual([A]);
  });

  it('asks for the snapshot where only the server knows: a new hall, unknown kinds, queue places of its own bid, an unknown bidder', () => {
    expect(applyHallEvent(snapshot(), event('hall.opened', { state: 'open', bidders: [] }))).toBeNull();
    expect(applyHallEvent(snapshot(), event('hall.windowClosed', {}))).toBeNull();
    expect(applyHallEvent(snapshot('bidder', A), event('bid.decrypting', { organisationId: A }))).toBeNull();
    expect(applyHallEvent(snapshot('host'), event('bid.failed', { organisationId: B, reason: 'wrong-key' }))).toBeNull();
    expect(applyHallEvent(snapshot('bidder', A), event('bid.decrypting', { organisationId: B }))?.bidders[1]?.state).toBe('decrypting');
    expect(applyHallEvent(snapshot(), event('hall.signedIn', { organisationId: '00000000-0000-4000-8000-00000000000c', at: 'x' }))).toBeNull();
    expect(applyHallEvent(snapshot(), event('record.answer', { id: 'nope', answer: 'x' }))).toBeNull();
  });
});
