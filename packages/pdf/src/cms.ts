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

/** A detached CMS SignedData over content, signed by the first certificate of the chain. */
export async function createDetachedCms(
  content: Uint8Array,
  certificateChainPem: string[],
  sign: RawSigner,
  signingTime: Date,
): Promise<Uint8Array> {
  if (certificateChainPem.length === 0) throw new Error('certificateChainPem needs the signer certificate first');
  const certificates = certificateChainPem.map((pem) => forge.pki.certificateFromPem(pem));
  const signer = certificates[0]!;
  const signerDer = asn1.toDer(forge.pki.certificateToAsn1(signer)).getBytes();
  const attrs = await signedAttributes(await sha256(content), signerDer, signingTime);
  const toBeSigned = fromBinary(asn1.toDer(set(attrs)).getBytes());
  const signature = await sign(toBeSigned);

  const issuerAndSerial = seq([
    forge.pki.distinguishedNameToAsn1(signer.issuer),
    asn1.create(asn1.Class.UNIVERSAL, asn1.Type.INTEGER, false, forge.util.hexToBytes(signer.serialNumber)),
  ]);
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
    asn1.create(asn1.Class.CONTEXT_SPECIFIC, 0, true, certificates.map((c) => forge.pki.certificateToAsn1(c))),
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
  return name.attributes.map((a) => `${a.shortName ?? a.name ?? a.type}=${String(a.value)}`).join(', ');
}

/** Reads a detached SignedData; throws on anything it does not understand. */
export function parseDetachedCms(der: Uint8Array): ParsedCms {
  // Contents placeholders are zero-padded: parse only the first DER value.
  const root = asn1.fromDer(forge.util.createBuffer(toBinary(der)), { parseAllBytes: false, decodeBitStrings: false } as unknown as boolean);
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
  const serialHex = forge.util.bytesToHex(serialAsn1!.value as string).replace(/^0+/, '');
  const issuerDer = asn1.toDer(issuerAsn1!).getBytes();
  const certificates = ((certsPart?.value as forge.asn1.Asn1[]) ?? []).map((c) => forge.pki.certificateFromAsn1(c));
  const signer = certificates.find(
    (c) => c.serialNumber.replace(/^0+/, '') === serialHex && asn1.toDer(forge.pki.distinguishedNameToAsn1(c.issuer)).getBytes() === issuerDer,
  );
  if (!signer) throw new Error('the signer certificate is not in the SignedData');

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
    signerCertificatePem: forge.pki.certificateToPem(signer),
    signerSubject: formatName(signer.subject),
    signingTime,
    messageDigest,
    signedAttributesDer: fromBinary(setDer),
    signature: fromBinary(signatureValue!.value as string),
    digestAlgorithm: asn1.derToOid(((digestAlgorithm!.value as forge.asn1.Asn1[])[0]!).value as string),
  };
}

export const SHA256_OID = OID.sha256;
