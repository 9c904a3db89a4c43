import { createCheckpointSigner } from '@ggzy/audit/checkpoint';
import { leafHashOfEntry, type TraceLeafEntry } from '@ggzy/audit/leaf';
import { inclusionProofRanges, rootOfLeafHashes, toHex } from '@ggzy/audit/merkle';
import { describe, expect, test } from 'vitest';
import { checkInclusion, type InclusionEvidence } from './verify-entry';

const signer = createCheckpointSigner({ origin: 'test.local/trace-log', seed: new Uint8Array(32).fill(7) });
const otherSigner = createCheckpointSigner({ origin: 'test.local/trace-log', seed: new Uint8Array(32).fill(9) });

function entry(seq: number, overrides: Partial<TraceLeafEntry> = {}): TraceLeafEntry {
  return {
    seq,
    id: seq + 100,
    at: `2026-11-22T15:3${seq}:00.000Z`,
    actorId: null,
    actorName: `bidder${seq}`,
    organisationId: null,
    role: 'bidder',
    action: 'auth.login',
    outcome: 'ok',
    targetType: 'session',
    targetId: `s-${seq}`,
    requestId: null,
    ip: '127.0.0.1',
    userAgent: 'test',
    digests: {},
    details: {},
    ...overrides,
  };
}

/** What the API would hand out for entry `index` of a log of `entries`, signed by `by`. */
function evidenceFor(entries: TraceLeafEntry[], index: number, by = signer): InclusionEvidence {
  const leaves = entries.map(leafHashOfEntry);
  const root = rootOfLeafHashes(leaves);
  return {
    verifierKey: signer.verifierKey,
    origin: signer.origin,
    index,
    leafHash: toHex(leaves[index]!),
    proof: inclusionProofRanges(index, leaves.length).map(([start, end]) => toHex(rootOfLeafHashes(leaves, start, end))),
    checkpoint: { size: leaves.length, note: by.sign(leaves.length, root) },
  };
}

describe('verifying a trace-log entry in the browser', () => {
  const log = [0, 1, 2, 3, 4].map((seq) => entry(seq));

  test('an entry of the log is verified against the signed checkpoint', () => {
    for (let i = 0; i < log.length; i++) {
      expect(checkInclusion(evidenceFor(log, i), log[i])).toMatchObject({ ok: true, size: 5 });
    }
  });

  test('a row that differs from what was hashed into the tree is caught', () => {
    const shown = { ...log[2]!, ip: '10.0.0.9' };
    expect(checkInclusion(evidenceFor(log, 2), shown)).toMatchObject({ ok: false, reason: 'leaf' });
  });

  test('a checkpoint signed by another key is refused', () => {
    expect(checkInclusion(evidenceFor(log, 1, otherSigner), log[1])).toMatchObject({ ok: false, reason: 'signature' });
  });

  test('a proof that does not lead to the signed root is refused', () => {
    const evidence = evidenceFor(log, 3);
    const tampered = { ...evidence, proof: evidence.proof.map((h, i) => (i === 0 ? h.replace(/^./, h[0] === '0' ? '1' : '0') : h)) };
    expect(checkInclusion(tampered, log[3])).toMatchObject({ ok: false, reason: 'proof' });
  });

  test('a proof for a different tree size than the checkpoint is refused', () => {
    const evidence = evidenceFor(log, 0);
    expect(checkInclusion({ ...evidence, checkpoint: { ...evidence.checkpoint, size: 4 } }, log[0])).toMatchObject({ ok: false, reason: 'size' });
  });

  test('a checkpoint that does not carry the root the whole log was verified at is refused', () => {
    const evidence = evidenceFor(log, 1);
    const verifiedRoot = toHex(rootOfLeafHashes(log.map(leafHashOfEntry)));
    expect(checkInclusion({ ...evidence, expectedRoot: verifiedRoot }, log[1])).toMatchObject({ ok: true });
    const forked = [log[0]!, log[1]!, entry(2, { actorName: 'someone else' }), log[3]!, log[4]!];
    expect(checkInclusion({ ...evidenceFor(forked, 1), expectedRoot: verifiedRoot }, log[1])).toMatchObject({ ok: false, reason: 'checkpoint' });
  });
});
