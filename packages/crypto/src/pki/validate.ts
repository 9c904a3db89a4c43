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

/**
 * How a validation reads certificates and checks the signature of an issuer on a child. The
 * portable reader (node-forge, sm-crypto) is the default everywhere; the server passes a faster one
 * on Node's OpenSSL (pki/node), which must answer exactly as this one does.
 */
export interface CertificateReader {
  read(pem: string, what: string): ParsedCertificate;
  verifies(issuer: ParsedCertificate, child: ParsedCertificate): boolean;
}

export const portableReader: CertificateReader = { read: readCertificate, verifies: issuedBy };

interface Node {
  cert: forge.pki.Certificate;
  parsed: ParsedCertificate;
  pem: string;
}

function nodeOf(reader: CertificateReader, pem: string, what: string): Node {
  const parsed = reader.read(pem, what);
  return { cert: parsed.forge, parsed, pem };
}

function parseAll(reader: CertificateReader, pems: readonly string[], what: string): Node[] {
  return pems.map((pem, i) => nodeOf(reader, pem, `${what} #${i + 1}`));
}

/** A candidate issuer: same name, and, when both carry key ids, the same key id (tells apart CAs of equal names). */
function mayHaveIssued(issuer: forge.pki.Certificate, child: forge.pki.Certificate): boolean {
  const name = issuer.subject.hash as string | undefined;
  if (!name || name !== child.issuer.hash) return false;
  const aki = authorityKeyIdOf(child);
  const ski = subjectKeyIdOf(issuer);
  return !aki || !ski || aki === ski;
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
function buildPath(reader: CertificateReader, leaf: Node, intermediates: Node[], roots: Node[]): Node[] {
  const signatureVerifies = (issuer: Node, child: Node) => reader.verifies(issuer.parsed, child.parsed);
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
    // A CA's own root sent along with the chain ends the path without reaching a trusted root: that
    // root is not trusted here, which is not a forgery.
    if (current !== leaf && mayHaveIssued(current.cert, current.cert) && signatureVerifies(current, current))
      throw new CertificateError(
        'untrusted',
        `"${commonNameOf(current.cert)}" is a root CA that is not among the trusted roots (CA互认: the centre may add it to TRUSTED_CA_FILES)`,
      );
    if (rootCandidates.length > 0 || intermediates.some((i) => i !== current && mayHaveIssued(i.cert, current.cert)))
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

function assertUsage(usage: Record<string, boolean> | undefined, required: RequiredUsage): void {
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
 * What validation finds from the certificates alone (malformed, is-ca, the path and its
 * signatures): the same for every use, so a server may keep it per certificate and trusted-root
 * set. The checks that depend on the moment and on revocation run on every use (checkAnalysis).
 */
export interface CertificateAnalysis {
  /** Every certificate on the path, leaf first: who it is (for messages) and its validity. */
  validity: ReadonlyArray<{ who: string; notBefore: Date; notAfter: Date }>;
  serialNumber: string;
  keyUsage: Readonly<Record<string, boolean>> | undefined;
  result: Readonly<ValidatedCertificate>;
}

export type CertificateSources = Pick<ValidateCertificateOptions, 'certificatePem' | 'trustedRootPems' | 'intermediatePems'>;

/** invalid-input: what no certificate can make valid. First, before anything is read. */
export function checkValidationInputs(options: Pick<ValidateCertificateOptions, 'trustedRootPems' | 'at'>): void {
  if (options.trustedRootPems.length === 0) throw new CertificateError('invalid-input', 'no trusted roots are configured');
  if (Number.isNaN(options.at.getTime())) throw new CertificateError('invalid-input', '`at` is not a valid date');
}

/** malformed → is-ca → path (untrusted, bad-signature, leaf-signed-by-leaf). */
export function analyseCertificate(options: CertificateSources, reader: CertificateReader = portableReader): CertificateAnalysis {
  const leaf = nodeOf(reader, options.certificatePem, 'the certificate');
  const roots = parseAll(reader, options.trustedRootPems, 'trusted root');
  const intermediates = parseAll(reader, options.intermediatePems ?? [], 'intermediate certificate');
  if (leaf.parsed.algorithm === 'rsa' && rsaPublicKeyOf(leaf.cert).n.bitLength() < MIN_RSA_BITS)
    throw new CertificateError('malformed', `the certificate's RSA key is shorter than ${MIN_RSA_BITS} bits`);

  const leafUsage = keyUsageOf(leaf.cert);
  if (basicConstraintsOf(leaf.cert)?.cA || leafUsage?.keyCertSign)
    throw new CertificateError('is-ca', `"${commonNameOf(leaf.cert)}" is a CA certificate`);

  const path = buildPath(reader, leaf, intermediates, roots);

  const subject = subjectOf(leaf.cert);
  const root = path[path.length - 1];
  const serialNumber = normaliseSerial(leaf.cert.serialNumber);
  return {
    validity: path.map(({ cert }) => ({
      who: cert === leaf.cert ? 'the certificate' : `CA certificate "${commonNameOf(cert)}"`,
      notBefore: cert.validity.notBefore,
      notAfter: cert.validity.notAfter,
    })),
    serialNumber,
    keyUsage: leafUsage ? { ...leafUsage } : undefined,
    result: {
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
    },
  };
}

/** validity of every certificate on the path at `at` (not-yet-valid, expired) → revoked → wrong-usage. */
export function checkAnalysis(
  analysis: CertificateAnalysis,
  options: Pick<ValidateCertificateOptions, 'at' | 'revokedSerials' | 'requiredUsage'>,
): ValidatedCertificate {
  const { at, revokedSerials, requiredUsage } = options;
  for (const { who, notBefore, notAfter } of analysis.validity) {
    if (at < notBefore) throw new CertificateError('not-yet-valid', `${who} is valid from ${notBefore.toISOString()}`);
    if (at > notAfter) throw new CertificateError('expired', `${who} expired at ${notAfter.toISOString()}`);
  }

  const { serialNumber } = analysis;
  if (revokedSerials && [...revokedSerials].some((s) => normaliseSerial(s) === serialNumber))
    throw new CertificateError('revoked', `serial ${serialNumber} is on the revocation list`);

  assertUsage(analysis.keyUsage, requiredUsage);

  // A fresh object each time: callers own what they are given.
  const r = analysis.result;
  return {
    ...r,
    subject: { ...r.subject },
    notBefore: new Date(r.notBefore.getTime()),
    notAfter: new Date(r.notAfter.getTime()),
    publicKeySpki: r.publicKeySpki.slice(),
    path: [...r.path],
  };
}

/**
 * Order: malformed → is-ca → path (untrusted, bad-signature, leaf-signed-by-leaf) → validity of every
 * certificate on the path at `at` (not-yet-valid, expired) → revoked → wrong-usage.
 */
export function validateCertificate(options: ValidateCertificateOptions): ValidatedCertificate {
  checkValidationInputs(options);
  return checkAnalysis(analyseCertificate(options), options);
}
