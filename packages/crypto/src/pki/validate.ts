/**
 * Certificate validation for login and submit (DESIGN.md §4). The order of the checks is part of
 * the contract (docs/pki.md): a certificate that does not chain to a trusted root is refused as
 * such before anything else is said about it.
 */
import type forge from 'node-forge';
import { keyIdOf, readCertificate, signatureVerifies as issuedBy, type ParsedCertificate } from './certificate';
import { CertificateError } from './errors';
import {
  MIN_RSA_BITS,
  authorityKeyIdOf,
  basicConstraintsOf,
  keyUsageOf,
  normaliseSerial,
  rsaPublicKeyOf,
  subjectKeyIdOf,
  subjectOf,
  type CertificateSubject,
} from './x509';

export type RequiredUsage = 'signature' | 'keyEncipherment' | 'both';

export interface ValidateCertificateOptions {
  certificatePem: string;
  /** The deployment's trusted roots: the platform CA and every external CA it recognises (CA互认). */
  trustedRootPems: readonly string[];
  /** Intermediate CA certificates the holder presents (an external CA's sub-CA); never trusted by themselves. */
  intermediatePems?: readonly string[];
  at: Date;
  /** Serials as lowercase or uppercase hex; leading zeros do not matter. */
  revokedSerials?: ReadonlySet<string>;
  requiredUsage: RequiredUsage;
}

export interface ValidatedCertificate {
  subject: CertificateSubject;
  /** 统一社会信用代码 (subject serialNumber), when present. */
  creditCode: string | undefined;
  /** Lowercase hex without leading zeros. */
  serialNumber: string;
  notBefore: Date;
  notAfter: Date;
  /** SHA-256 of the DER SubjectPublicKeyInfo, hex: the envelope's key_id (docs/envelope.md §2), for RSA and SM2. */
  keyId: string;
  /** The certificate key's algorithm: which envelope suite it can receive (rsa → RSA suite, sm2 → GM/T suite). */
  algorithm: 'rsa' | 'sm2';
  /** DER SubjectPublicKeyInfo of the certificate key (what an envelope wraps its content key to). */
  publicKeySpki: Uint8Array;
  /** Common name of the trusted root the certificate chains to. */
  trustedRoot: string;
  /** The path, leaf first, root last, as PEM. */
  path: string[];
}

const MAX_INTERMEDIATES = 4;

interface Node {
  cert: forge.pki.Certificate;
  parsed: ParsedCertificate;
  pem: string;
}

function nodeOf(pem: string, what: string): Node {
  const parsed = readCertificate(pem, what);
  return { cert: parsed.forge, parsed, pem };
}

function parseAll(pems: readonly string[], what: string): Node[] {
  return pems.map((pem, i) => nodeOf(pem, `${what} #${i + 1}`));
}

/** A candidate issuer: same name, and, when both carry key ids, the same key id (tells apart CAs of equal names). */
function mayHaveIssued(issuer: forge.pki.Certificate, child: forge.pki.Certificate): boolean {
  const name = issuer.subject.hash as string | undefined;
  if (!name || name !== child.issuer.hash) return false;
  const aki = authorityKeyIdOf(child);
  const ski = subjectKeyIdOf(issuer);
  return !aki || !ski || aki === ski;
}

function signatureVerifies(issuer: Node, child: Node): boolean {
  return issuedBy(issuer.parsed, child.parsed);
}

function commonNameOf(cert: forge.pki.Certificate): string {
  return subjectOf(cert).commonName || '(no CN)';
}

/** An issuer must be a CA: basicConstraints CA:true, and keyCertSign when keyUsage is present (RFC 5280 §4.2.1.9). */
function assertIsCa(issuer: forge.pki.Certificate, child: forge.pki.Certificate, caBelow: number): void {
  const bc = basicConstraintsOf(issuer);
  const usage = keyUsageOf(issuer);
  if (!bc?.cA || (usage && !usage.keyCertSign))
    throw new CertificateError(
      'leaf-signed-by-leaf',
      `"${commonNameOf(child)}" is issued by "${commonNameOf(issuer)}", which is not a CA certificate`,
    );
  if (bc.pathLenConstraint !== undefined && bc.pathLenConstraint >= 0 && caBelow > bc.pathLenConstraint)
    throw new CertificateError(
      'untrusted',
      `"${commonNameOf(issuer)}" may not have CA certificates below it (pathLenConstraint ${bc.pathLenConstraint})`,
    );
}

/** Leaf → intermediates → trusted root. Throws untrusted, bad-signature or leaf-signed-by-leaf. */
function buildPath(leaf: Node, intermediates: Node[], roots: Node[]): Node[] {
  const path: Node[] = [leaf];
  let current = leaf;
  for (let depth = 0; depth <= MAX_INTERMEDIATES; depth++) {
    const caBelow = path.length - 1;
    const rootCandidates = roots.filter((r) => mayHaveIssued(r.cert, current.cert));
    const root = rootCandidates.find((r) => signatureVerifies(r, current));
    if (root) {
      assertIsCa(root.cert, current.cert, caBelow);
      return [...path, root];
    }
    const intermediate = intermediates.find(
      (i) => !path.includes(i) && mayHaveIssued(i.cert, current.cert) && signatureVerifies(i, current),
    );
    if (intermediate) {
      assertIsCa(intermediate.cert, current.cert, caBelow);
      path.push(intermediate);
      current = intermediate;
      continue;
    }
    if (rootCandidates.length > 0 || intermediates.some((i) => mayHaveIssued(i.cert, current.cert)))
      throw new CertificateError(
        'bad-signature',
        `the signature on "${commonNameOf(current.cert)}" does not verify with the key of its issuer`,
      );
    throw new CertificateError(
      'untrusted',
      `"${commonNameOf(current.cert)}" is issued by "${current.cert.issuer.getField('CN')?.value ?? '(unknown)'}", which is not among the trusted roots`,
    );
  }
  throw new CertificateError('untrusted', `no path to a trusted root within ${MAX_INTERMEDIATES} intermediate CAs`);
}

function assertUsage(cert: forge.pki.Certificate, required: RequiredUsage): void {
  const usage = keyUsageOf(cert);
  // The platform requires an explicit keyUsage: an end-entity certificate without one says nothing
  // about what its key may do, and the envelope and the signed submit depend on it.
  const wantSignature = required === 'signature' || required === 'both';
  const wantEncipherment = required === 'keyEncipherment' || required === 'both';
  const missing = [
    ...(wantSignature && !usage?.digitalSignature ? ['digitalSignature'] : []),
    ...(wantEncipherment && !usage?.keyEncipherment ? ['keyEncipherment'] : []),
  ];
  if (missing.length > 0)
    throw new CertificateError('wrong-usage', `the certificate's keyUsage lacks ${missing.join(' and ')}`);
}

/**
 * Order: malformed → is-ca → path (untrusted, bad-signature, leaf-signed-by-leaf) → validity of every
 * certificate on the path at `at` (not-yet-valid, expired) → revoked → wrong-usage.
 */
export function validateCertificate(options: ValidateCertificateOptions): ValidatedCertificate {
  const { certificatePem, trustedRootPems, at, revokedSerials, requiredUsage } = options;
  if (trustedRootPems.length === 0) throw new CertificateError('invalid-input', 'no trusted roots are configured');
  if (Number.isNaN(at.getTime())) throw new CertificateError('invalid-input', '`at` is not a valid date');

  const leaf = nodeOf(certificatePem, 'the certificate');
  const roots = parseAll(trustedRootPems, 'trusted root');
  const intermediates = parseAll(options.intermediatePems ?? [], 'intermediate certificate');
  if (leaf.parsed.algorithm === 'rsa' && rsaPublicKeyOf(leaf.cert).n.bitLength() < MIN_RSA_BITS)
    throw new CertificateError('malformed', `the certificate's RSA key is shorter than ${MIN_RSA_BITS} bits`);

  const leafUsage = keyUsageOf(leaf.cert);
  if (basicConstraintsOf(leaf.cert)?.cA || leafUsage?.keyCertSign)
    throw new CertificateError('is-ca', `"${commonNameOf(leaf.cert)}" is a CA certificate`);

  const path = buildPath(leaf, intermediates, roots);

  for (const { cert } of path) {
    const who = cert === leaf.cert ? 'the certificate' : `CA certificate "${commonNameOf(cert)}"`;
    if (at < cert.validity.notBefore)
      throw new CertificateError('not-yet-valid', `${who} is valid from ${cert.validity.notBefore.toISOString()}`);
    if (at > cert.validity.notAfter)
      throw new CertificateError('expired', `${who} expired at ${cert.validity.notAfter.toISOString()}`);
  }

  const serialNumber = normaliseSerial(leaf.cert.serialNumber);
  if (revokedSerials && [...revokedSerials].some((s) => normaliseSerial(s) === serialNumber))
    throw new CertificateError('revoked', `serial ${serialNumber} is on the revocation list`);

  assertUsage(leaf.cert, requiredUsage);

  const subject = subjectOf(leaf.cert);
  const root = path[path.length - 1];
  return {
    subject,
    creditCode: subject.creditCode,
    serialNumber,
    notBefore: leaf.cert.validity.notBefore,
    notAfter: leaf.cert.validity.notAfter,
    keyId: keyIdOf(leaf.parsed),
    algorithm: leaf.parsed.algorithm,
    publicKeySpki: leaf.parsed.spki,
    trustedRoot: root ? commonNameOf(root.cert) : '',
    path: path.map((n) => n.pem),
  };
}
