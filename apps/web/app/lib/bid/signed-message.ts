/**
 * The bidder's signed submit and withdraw messages (docs/sealed-bids.md §5): JCS-canonical JSON
 * (RFC 8785, the `canonicalize` package) so that the API, the CLI and this page sign and verify the
 * very same bytes whatever order they build the object in.
 */
import canonicalize from 'canonicalize';
import { bytesToBase64 } from './bytes';

export const SUBMIT_CONTEXT = 'ggzy-bid-submit/v1';
export const WITHDRAW_CONTEXT = 'ggzy-bid-withdraw/v1';

export interface SubmitFacts {
  sectionId: string;
  organisationId: string;
  uploadId: string;
  ciphertextSha256: string;
  envelopeBytes: number;
}

export function submitMessage(facts: SubmitFacts): string {
  return canonical({ type: SUBMIT_CONTEXT, ...facts });
}

export function withdrawMessage(facts: { sectionId: string; organisationId: string }): string {
  const nonce = new Uint8Array(16);
  crypto.getRandomValues(nonce);
  return canonical({ type: WITHDRAW_CONTEXT, ...facts, nonce: bytesToBase64(nonce) });
}

function canonical(value: Record<string, unknown>): string {
  const text = canonicalize(value);
  if (text === undefined) throw new Error('message cannot be canonicalised');
  return text;
}
