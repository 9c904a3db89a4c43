/**
 * What the platform records about a certificate besides the PEM: issuer and subject as text, the
 * issuer's DER name hashed (so serials from different CAs never collide), the leaf and any chain
 * that came with it. Server-side only (node:crypto), which is why it is here and not in @ggzy/crypto.
 */
import { sha256Hex } from '@ggzy/crypto';
import { AppError } from '@ggzy/domain';
import { X509Certificate } from 'node:crypto';

export interface CertificateFacts {
  /** The leaf's PEM alone (a stored row may carry its chain after it; see splitPemBundle). */
  leafPem: string;
  issuer: string;
  subject: string;
  /** SHA-256 (hex) of the issuer's DER Name. */
  issuerSha256: string;
  /** SHA-256 (hex) of the certificate's DER. */
  certificateSha256: string;
  /** Lowercase hex without leading zeros, as @ggzy/crypto reports serials. */
  serial: string;
}

const PEM_BLOCK = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----(\r?\n)?/g;

/**
 * A stored certificate row holds the leaf first, then the intermediates its holder presented at
 * registration (external CAs only), so that every later validation can build the same path.
 */
export function splitPemBundle(pem: string): { leafPem: string; chainPems: string[] } {
  const blocks = pem.match(PEM_BLOCK) ?? [];
  const [leaf, ...chain] = blocks.map((b) => (b.endsWith('\n') ? b : `${b}\n`));
  if (!leaf) throw malformed();
  return { leafPem: leaf, chainPems: chain };
}

function malformed(): AppError {
  return new AppError('INVALID_INPUT', {
    zh: '无法解析数字证书，请提供 PEM 格式的 X.509 证书',
    en: 'The certificate cannot be read; give a PEM X.509 certificate',
  });
}

/** DER TLV at `offset`: where its content starts and where it ends. Definite lengths only (DER). */
function tlv(der: Uint8Array, offset: number): { tag: number; contentStart: number; end: number } {
  const tag = der[offset];
  let length = der[offset + 1];
  if (tag === undefined || length === undefined) throw malformed();
  let contentStart = offset + 2;
  if (length & 0x80) {
    const octets = length & 0x7f;
    if (octets === 0 || octets > 4) throw malformed();
    length = 0;
    for (let i = 0; i < octets; i++) length = length * 256 + (der[contentStart + i] ?? 0);
    contentStart += octets;
  }
  const end = contentStart + length;
  if (end > der.length) throw malformed();
  return { tag, contentStart, end };
}

/** The issuer Name's DER: TBSCertificate = [0] version?, serialNumber, signature, issuer, … (RFC 5280 §4.1). */
function issuerDerOf(der: Uint8Array): Uint8Array {
  const certificate = tlv(der, 0);
  const tbs = tlv(der, certificate.contentStart);
  let at = tbs.contentStart;
  let field = tlv(der, at);
  if (field.tag === 0xa0) field = tlv(der, (at = field.end));
  const signature = tlv(der, (at = field.end)); // serialNumber → signature algorithm
  const issuer = tlv(der, signature.end);
  if (issuer.tag !== 0x30) throw malformed();
  return der.subarray(signature.end, issuer.end);
}

/** Node prints names one attribute per line; the platform shows them comma-separated, as OpenSSL's -nameopt does. */
function oneLine(name: string): string {
  return name.split('\n').filter(Boolean).join(', ');
}

export function certificateFacts(pem: string): CertificateFacts {
  const { leafPem } = splitPemBundle(pem);
  let x509: X509Certificate;
  try {
    x509 = new X509Certificate(leafPem);
  } catch {
    throw malformed();
  }
  const der = new Uint8Array(x509.raw);
  return {
    leafPem,
    issuer: oneLine(x509.issuer),
    subject: oneLine(x509.subject),
    issuerSha256: sha256Hex(issuerDerOf(der)),
    certificateSha256: sha256Hex(der),
    serial: x509.serialNumber.toLowerCase().replace(/^0+(?=.)/, ''),
  };
}
