/**
 * `validateCertificate` for the server (`@ggzy/crypto/node`): the same checks in the same order
 * (pki/validate.ts), with two savings.
 *
 *   1. Signatures on the path are checked on OpenSSL (verify.ts), and the trusted roots and
 *      intermediates are read once, not on every call.
 *   2. What depends on the certificates alone (malformed, is-ca, the path and its signatures,
 *      leaf-signed-by-leaf, untrusted, and the facts returned) is kept per certificate, keyed by the
 *      SHA-256 of the certificate, its intermediates and the trusted roots in order: a change of
 *      the trusted roots is another key. Validity at `at`, revocation and key usage are checked on
 *      every call, exactly as the portable function does, after the kept part.
 */
import { createHash } from 'node:crypto';
import type { ParsedCertificate } from '../certificate';
import { CertificateError } from '../errors';
import {
  analyseCertificate,
  checkAnalysis,
  checkValidationInputs,
  type CertificateAnalysis,
  type CertificateReader,
  type ValidateCertificateOptions,
  type ValidatedCertificate,
} from '../validate';
import { Lru, readCertificateNode, signatureVerifiesNode } from './verify';

export interface CertificateValidatorOptions {
  /** Certificates (with their chain and root set) whose analysis is kept; least recently used go first. Default 10,000. */
  maxEntries?: number;
}

export interface CertificateValidator {
  (options: ValidateCertificateOptions): ValidatedCertificate;
  /** Forgets every kept analysis (tests; a deployment never needs it: the key covers all inputs). */
  clear(): void;
}

type Kept = { analysis: CertificateAnalysis } | { refused: CertificateError };

/** CA certificates (trusted roots, intermediates) as read, shared by every validator: the same few on every call. */
const issuers = new Lru<string, ParsedCertificate>(256);

/** Reads the leaf afresh (its analysis is what is kept) and the CA certificates once; signatures on OpenSSL. */
function readerFor(leafPem: string): CertificateReader {
  return {
    read(pem, what) {
      if (pem === leafPem) return readCertificateNode(pem, what);
      let parsed = issuers.get(pem);
      if (!parsed) issuers.set(pem, (parsed = readCertificateNode(pem, what)));
      return parsed;
    },
    verifies: signatureVerifiesNode,
  };
}

function keyOf(options: ValidateCertificateOptions): string {
  const hash = createHash('sha256');
  const part = (s: string) => hash.update(`${s.length}:`).update(s);
  part(options.certificatePem);
  hash.update(`|${options.intermediatePems?.length ?? 0}|`);
  for (const pem of options.intermediatePems ?? []) part(pem);
  hash.update(`|${options.trustedRootPems.length}|`);
  for (const pem of options.trustedRootPems) part(pem);
  return hash.digest('base64');
}

/** A validator with its own cache of analyses. */
export function createCertificateValidator(settings: CertificateValidatorOptions = {}): CertificateValidator {
  const kept = new Lru<string, Kept>(settings.maxEntries ?? 10_000);
  const validate = (options: ValidateCertificateOptions): ValidatedCertificate => {
    checkValidationInputs(options);
    const key = keyOf(options);
    let entry = kept.get(key);
    if (!entry) {
      try {
        entry = { analysis: analyseCertificate(options, readerFor(options.certificatePem)) };
      } catch (error) {
        // Refusals are facts about the certificates, kept like acceptances; anything else is not.
        if (!(error instanceof CertificateError)) throw error;
        entry = { refused: error };
      }
      kept.set(key, entry);
    }
    if ('refused' in entry) throw new CertificateError(entry.refused.code, entry.refused.detail);
    return checkAnalysis(entry.analysis, options);
  };
  return Object.assign(validate, { clear: () => kept.clear() });
}

/** The process's validator: what the API uses for login, submit and every signed action. */
export const validateCertificateNode: CertificateValidator = createCertificateValidator();
