/**
 * Checking the trace log in the browser, with the same pure code the API and `ggzy verify-log`
 * use: the checkpoint's Ed25519 signature by the pinned key, then the RFC 9162 inclusion proof of
 * one leaf under that checkpoint's root. Nothing here trusts the server's word that it is fine: an
 * entry is only ever shown as verified under the checkpoint the whole log was verified at
 * (log-verdict.ts), and an entry named by its leaf hash (a receipt) that is no longer at its index is
 * refused as gone.
 */
import { openCheckpoint, parseVerifierKey } from '@ggzy/audit/checkpoint';
import { leafHashOfEntry, type TraceLeafEntry } from '@ggzy/audit/leaf';
import { fromHex, toHex, verifyInclusion } from '@ggzy/audit/merkle';
import { browserApi } from './api.browser';
import { loadRemembered, type LogVerdict } from './log-verdict';

export type VerifyFailure =
  | { reason: 'leaf' | 'proof' | 'size' }
  /** The whole log failed its check (or has not passed it): no entry of it is confirmed. */
  | { reason: 'log' }
  /** The index is past the verified checkpoint. */
  | { reason: 'outside'; size: number }
  /** The entry named by its leaf hash is no longer at its index: deleted, moved or replaced. */
  | { reason: 'gone'; index: number }
  /** The checkpoint of the verified size now has another root. */
  | { reason: 'checkpoint' }
  | { reason: 'signature'; detail: string }
  | { reason: 'api'; error: unknown };

export type Verdict = ({ ok: true; size: number } | ({ ok: false } & VerifyFailure)) & { leafHash?: string; proofLength?: number };

export interface InclusionEvidence {
  verifierKey: string;
  origin: string;
  index: number;
  leafHash: string;
  proof: readonly string[];
  checkpoint: { size: number; note: string };
  /** The root (hex) the whole log was verified at: the checkpoint must carry it. */
  expectedRoot?: string;
}

/** Pure: does the signed checkpoint cover this leaf at this index? */
export function checkInclusion(evidence: InclusionEvidence, entry?: TraceLeafEntry): Verdict {
  const facts = { leafHash: evidence.leafHash, proofLength: evidence.proof.length };
  if (entry) {
    // The row as displayed must be the row that was hashed into the tree.
    const recomputed = toHex(leafHashOfEntry(entry));
    if (recomputed !== evidence.leafHash.toLowerCase()) return { ok: false, reason: 'leaf', ...facts, leafHash: recomputed };
  }
  let checkpoint;
  try {
    checkpoint = openCheckpoint(evidence.checkpoint.note, parseVerifierKey(evidence.verifierKey), evidence.origin);
  } catch (error) {
    return { ok: false, reason: 'signature', detail: error instanceof Error ? error.message : String(error), ...facts };
  }
  if (checkpoint.size !== evidence.checkpoint.size) return { ok: false, reason: 'size', ...facts };
  if (evidence.expectedRoot !== undefined && toHex(checkpoint.root) !== evidence.expectedRoot.toLowerCase()) return { ok: false, reason: 'checkpoint', ...facts };
  const included = verifyInclusion(evidence.index, checkpoint.size, fromHex(evidence.leafHash), evidence.proof.map(fromHex), checkpoint.root);
  return included ? { ok: true, size: checkpoint.size, ...facts } : { ok: false, reason: 'proof', ...facts };
}

/**
 * Entry `index` under the checkpoint the whole log was verified at, by the pinned key. `entry`: the
 * row as displayed, recomputed; `leafHash`: the leaf a receipt names, which must still be there.
 */
export async function verifyEntry(verdict: LogVerdict | null, index: number, expect: { entry?: TraceLeafEntry; leafHash?: string } = {}): Promise<Verdict> {
  if (!verdict || verdict.state !== 'intact') return { ok: false, reason: 'log' };
  const pinned = loadRemembered();
  if (!pinned || pinned.key !== verdict.key) return { ok: false, reason: 'log' };
  if (index >= verdict.size) return { ok: false, reason: 'outside', size: verdict.size };
  try {
    const proof = await browserApi().log.inclusionProof.query({ index, size: verdict.size });
    const result = checkInclusion(
      {
        verifierKey: pinned.key,
        origin: pinned.origin,
        index: proof.index,
        leafHash: proof.leafHash,
        proof: proof.proof,
        checkpoint: proof.checkpoint,
        ...(verdict.root !== null ? { expectedRoot: verdict.root } : {}),
      },
      expect.entry,
    );
    if (result.ok && expect.leafHash !== undefined && expect.leafHash.trim().toLowerCase() !== proof.leafHash.toLowerCase()) {
      return { ok: false, reason: 'gone', index };
    }
    return result;
  } catch (error) {
    return { ok: false, reason: 'api', error };
  }
}
