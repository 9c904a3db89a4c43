/**
 * The detached CMS SignedData (RFC 5652) of a PDF signature, built with node-forge's ASN.1 (forge's
 * own PKCS#7 writer cannot add the ESS signing-certificate-v2 attribute) and read back for
 * verification. RSA with SHA-256 (PKCS#1 v1.5); SM2-with-SM3 is the planned second suite.
 */
import forge from 'node-forge';

const { asn1 } = forge;
const OID = {
  data: '1.2.840.113549.1.7.1',
  signedData: '1.2.840.113549.1.7.2',
  contentType: '1.2.840.113549.1.9.3',
  messageDigest: '1.2.840.113549.1.9.4',
  signingTime: '1.2.840.113549.1.9.5',
  signingCertificateV2: '1.2.840.113549.1.9.16.2.47',
  sha256: '2.16.840.1.101.3.4.2.1',
  rsaEncryption: '1.2.840.113549.1.1.1',
  sha256WithRSA: '1.2.840.113549.1.1.11',
} as const;

const seq = (value: forge.asn1.Asn1[]) => asn1.create(asn1.Class.UNIVERSAL, asn1.Type.SEQUENCE, true, value);
const set = (value: forge.asn1.Asn1[]) => asn1.create(asn1.Class.UNIVERSAL, asn1.Type.SET, true, value);
const oid = (value: string) => asn1.create(asn1.Class.UNIVERSAL, asn1.Type.OID, false, asn1.oidToDer(value).getBytes());
const octets = (bytes: Uint8Array) => asn1.create(asn1.Class.UNIVERSAL, asn1.Type.OCTETSTRING, false, toBinary(bytes));
const int = (value: number) => asn1.create(asn1.Class.UNIVERSAL, asn1.Type.INTEGER, false, asn1.integerToDer(value).getBytes());
const nul = () => asn1.create(asn1.Class.UNIVERSAL, asn1.Type.NULL, false, '');
const attribute = (type: string, value: forge.asn1.Asn1) => seq([oid(type), set([value])]);
const sha256Algorithm = () => seq([oid(OID.sha256), nul()]);

export function toBinary(bytes: Uint8Array): string {
  let out = '';
  for (let i = 0; i < bytes.length; i += 0x8000) out += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return out;
}
export function fromBinary(text: string): Uint8Array {
  const out = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) out[i] = text.charCodeAt(i);
  return out;
}

function time(date: Date): forge.asn1.Asn1 {
  // RFC 5652 §11.3: UTCTime from 1950 to 2049, GeneralizedTime otherwise.
  const year = date.getUTCFullYear();
  return year >= 1950 && year < 2050
    ? asn1.create(asn1.Class.UNIVERSAL, asn1.Type.UTCTIME, false, asn1.dateToUtcTime(date))
    : asn1.create(asn1.Class.UNIVERSAL, asn1.Type.GENERALIZEDTIME, false, asn1.dateToGeneralizedTime(date));
}

async function sha256(bytes: Uint8Array | string): Promise<Uint8Array> {
  const data = typeof bytes === 'string' ? fromBinary(bytes) : bytes;
  return new Uint8Array(await crypto.subtle.digest('SHA-256', data as BufferSource));
}

/** Signs the DER of the signed attributes: RSASSA-PKCS1-v1_5 with SHA-256 over those bytes. */
export type RawSigner = (toBeSigned: Uint8Array) => Promise<Uint8Array>;

/**
 * The signed attributes (contentType, signingTime, messageDigest, ESS signing-certificate-v2) in
 * their DER SET form, which is what the signature covers (RFC 5652 §5.4).
 */
async function signedAttributes(contentDigest: Uint8Array, certificateDer: string, signingTime: Date): Promise<forge.asn1.Asn1[]> {
  const certHash = await sha256(certificateDer);
  // SigningCertificateV2 ::= SEQUENCE { certs SEQUENCE OF ESSCertIDv2 }; ESSCertIDv2 with the default
  // hash algorithm (SHA-256) omits it.
  const signingCertificateV2 = seq([seq([seq([octets(certHash)])])]);
  return [
    attribute(OID.contentType, oid(OID.data)),
    attribute(OID.signingTime, time(signingTime)),
    attribute(OID.messageDigest, octets(contentDigest)),
    attribute(OID.signingCertificateV2, signingCertificateV2),
  ];
}

interface RawCertificate {
  /** The certificate exactly as issued (re-encoding through node-forge's model can change its bytes). */
  asn1: forge.asn1.Asn1;
  der: string;
  issuer: forge.asn1.Asn1;
  serial: forge.asn1.Asn1;
}

function rawCertificate(source: string | forge.asn1.Asn1): RawCertificate {
  const node = typeof source === 'string' ? asn1.fromDer(forge.pem.decode(source)[0]!.body) : source;
  const tbs = (node.value as forge.asn1.Asn1[])[0]!;
  const fields = tbs.value as forge.asn1.Asn1[];
  // [0] EXPLICIT version comes first when present (always, for v3).
  const at = fields[0]!.tagClass === asn1.Class.CONTEXT_SPECIFIC ? 1 : 0;
  return { asn1: node, der: asn1.toDer(node).getBytes(), serial: fields[at]!, issuer: fields[at + 2]! };
}

const derOf = (node: forge.asn1.Asn1) => asn1.toDer(node).getBytes();

/** A detached CMS SignedData over content, signed by the first certificate of the chain. */
export async function createDetachedCms(
  content: Uint8Array,
  certificateChainPem: string[],
  sign: RawSigner,
  signingTime: Date,
): Promise<Uint8Array> {
  if (certificateChainPem.length === 0) throw new Error('certificateChainPem needs the signer certificate first');
  const certificates = certificateChainPem.map((pem) => rawCertificate(pem));
  const signer = certificates[0]!;
  const attrs = await signedAttributes(await sha256(content), signer.der, signingTime);
  const toBeSigned = fromBinary(asn1.toDer(set(attrs)).getBytes());
  const signature = await sign(toBeSigned);

  const issuerAndSerial = seq([signer.issuer, signer.serial]);
  const signerInfo = seq([
    int(1),
    issuerAndSerial,
    sha256Algorithm(),
    asn1.create(asn1.Class.CONTEXT_SPECIFIC, 0, true, attrs),
    seq([oid(OID.rsaEncryption), nul()]),
    octets(signature),
  ]);
  const signedData = seq([
    int(1),
    set([sha256Algorithm()]),
    seq([oid(OID.data)]),
    asn1.create(asn1.Class.CONTEXT_SPECIFIC, 0, true, certificates.map((c) => c.asn1)),
    set([signerInfo]),
  ]);
  const contentInfo = seq([oid(OID.signedData), asn1.create(asn1.Class.CONTEXT_SPECIFIC, 0, true, [signedData])]);
  return fromBinary(asn1.toDer(contentInfo).getBytes());
}

export interface ParsedCms {
  /** The certificate that matches the signer's issuer and serial, PEM. */
  signerCertificatePem: string;
  signerSubject: string;
  signingTime: Date | null;
  messageDigest: Uint8Array;
  /** The signed attributes re-tagged as a DER SET: the bytes the signature covers. */
  signedAttributesDer: Uint8Array;
  signature: Uint8Array;
  digestAlgorithm: string;
}

/** Distinguished name as C=CN, O=…, CN=… (in the certificate's order). */
export function formatName(name: forge.pki.Certificate['subject']): string {
  return name.attributes
    .map((a) => {
      // node-forge encodes UTF8String values on write but hands them back as UTF-8 bytes.
      const utf8 = (a as { valueTagClass?: number }).valueTagClass === forge.asn1.Type.UTF8;
      return `${a.shortName ?? a.name ?? a.type}=${utf8 ? forge.util.decodeUtf8(String(a.value)) : String(a.value)}`;
    })
    .join(', ');
}

/** Reads a detached SignedData; throws on anything it does not understand. */
export function parseDetachedCms(der: Uint8Array): ParsedCms {
  // Contents placeholders are zero-padded: parse only the first DER value.
  const root = asn1.fromDer(forge.util.createBuffer(toBinary(der)), { parseAllBytes: false } as unknown as boolean);
  const [contentType, explicit] = root.value as forge.asn1.Asn1[];
  if (asn1.derToOid(contentType!.value as string) !== OID.signedData) throw new Error('not a CMS SignedData');
  const signedData = (explicit!.value as forge.asn1.Asn1[])[0]!;
  const parts = signedData.value as forge.asn1.Asn1[];
  const certsPart = parts.find((p) => p.tagClass === asn1.Class.CONTEXT_SPECIFIC && p.type === 0);
  const signerInfos = parts[parts.length - 1]!;
  const signerInfo = (signerInfos.value as forge.asn1.Asn1[])[0];
  if (!signerInfo) throw new Error('the SignedData has no signer');
  const [, sid, digestAlgorithm, attrsTagged, , signatureValue] = signerInfo.value as forge.asn1.Asn1[];
  if (!attrsTagged || attrsTagged.tagClass !== asn1.Class.CONTEXT_SPECIFIC) throw new Error('the signer has no signed attributes');
  const [issuerAsn1, serialAsn1] = sid!.value as forge.asn1.Asn1[];
  const certificates = ((certsPart?.value as forge.asn1.Asn1[]) ?? []).map((c) => rawCertificate(c));
  const raw = certificates.find((c) => derOf(c.serial) === derOf(serialAsn1!) && derOf(c.issuer) === derOf(issuerAsn1!));
  if (!raw) throw new Error('the signer certificate is not in the SignedData');
  const signerCertificatePem = forge.pem.encode({ type: 'CERTIFICATE', body: raw.der });
  const signer = forge.pki.certificateFromPem(signerCertificatePem);

  let signingTime: Date | null = null;
  let messageDigest: Uint8Array | null = null;
  for (const attr of attrsTagged.value as forge.asn1.Asn1[]) {
    const [type, values] = attr.value as forge.asn1.Asn1[];
    const value = (values!.value as forge.asn1.Asn1[])[0]!;
    const t = asn1.derToOid(type!.value as string);
    if (t === OID.messageDigest) messageDigest = fromBinary(value.value as string);
    if (t === OID.signingTime)
      signingTime = value.type === asn1.Type.UTCTIME ? asn1.utcTimeToDate(value.value as string) : asn1.generalizedTimeToDate(value.value as string);
  }
  if (!messageDigest) throw new Error('the signer has no message digest attribute');
  const setDer = asn1.toDer(set(attrsTagged.value as forge.asn1.Asn1[])).getBytes();
  return {
    signerCertificatePem,
    signerSubject: formatName(signer.subject),
    signingTime,
    messageDigest,
    signedAttributesDer: fromBinary(setDer),
    signature: fromBinary(signatureValue!.value as string),
    digestAlgorithm: asn1.derToOid(((digestAlgorithm!.value as forge.asn1.Asn1[])[0]!).value as string),
  };
}

export const SHA256_OID = OID.sha256;
