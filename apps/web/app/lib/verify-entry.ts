/**
 * Checking the trace log in the browser, with the same pure code the API and `ggzy verify-log`
 * use: the checkpoint's Ed25519 signature by the published key, then the RFC 9162 inclusion proof
 * of one leaf under that checkpoint's root. Nothing here trusts the server's word that it is fine.
 */
import { openCheckpoint, parseVerifierKey } from '@ggzy/audit/checkpoint';
import { leafHashOfEntry, type TraceLeafEntry } from '@ggzy/audit/leaf';
import { fromHex, toHex, verifyInclusion } from '@ggzy/audit/merkle';
import { browserApi } from './api.browser';

export type VerifyFailure =
  | { reason: 'leaf' | 'proof' | 'size' }
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
  const included = verifyInclusion(evidence.index, checkpoint.size, fromHex(evidence.leafHash), evidence.proof.map(fromHex), checkpoint.root);
  return included ? { ok: true, size: checkpoint.size, ...facts } : { ok: false, reason: 'proof', ...facts };
}

/** Fetches the verifier key and the proof for entry `index`, and checks them here. */
export async function verifyEntry(index: number, entry?: TraceLeafEntry): Promise<Verdict> {
  try {
    const api = browserApi();
    const [status, proof] = await Promise.all([api.log.status.query(), api.log.inclusionProof.query({ index })]);
    return checkInclusion(
      { verifierKey: status.verifierKey, origin: status.origin, index: proof.index, leafHash: proof.leafHash, proof: proof.proof, checkpoint: proof.checkpoint },
      entry,
    );
  } catch (error) {
    return { ok: false, reason: 'api', error };
  }
}
