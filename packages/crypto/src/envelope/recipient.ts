/**
 * Recipients as the API hands them out (`bidding.sealingInfo`: role, keyId, base64 SPKI): one call
 * for both suites, checking the key fits the suite and the key id the server announced, so that a
 * browser never seals to a key other than the one it was told about. Portable (atob, no Buffer).
 */
import { EnvelopeError } from './errors';
import { SUITE_RSA_AES, hex, type EnvelopeSuiteId, type RecipientRole } from './format';
import { suiteById } from './registry';
import type { SealRecipient } from './seal';

function bytesOfBase64(base64: string): Uint8Array {
  let binary: string;
  try {
    binary = atob(base64.replace(/\s+/g, ''));
  } catch {
    throw new EnvelopeError('invalid-input', 'the recipient key is not valid base64');
  }
  return Uint8Array.from(binary, (c) => c.charCodeAt(0));
}

/**
 * A SealRecipient from a SubjectPublicKeyInfo (DER bytes or base64) for the given suite. Refuses a
 * key of the other algorithm, and, when `expectedKeyId` (hex) is given, a key with another id.
 */
export async function envelopeRecipientFromSpki(options: {
  role: RecipientRole;
  spki: Uint8Array | string;
  suite?: EnvelopeSuiteId;
  expectedKeyId?: string;
}): Promise<SealRecipient> {
  const spki = typeof options.spki === 'string' ? bytesOfBase64(options.spki) : options.spki;
  const { keyId } = await suiteById(options.suite ?? SUITE_RSA_AES).importRecipient(spki);
  if (options.expectedKeyId !== undefined && hex(keyId) !== options.expectedKeyId.toLowerCase())
    throw new EnvelopeError('invalid-input', `the ${options.role} key does not have the announced key id ${options.expectedKeyId}`);
  return { role: options.role, publicKey: spki };
}
