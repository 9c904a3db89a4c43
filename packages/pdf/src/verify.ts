/**
 * Checking the signatures of a PDF: for each signature dictionary, the SHA-256 of the bytes its
 * ByteRange names against the CMS messageDigest, and the CMS signature against the certificate it
 * carries. Whether that certificate is one the platform trusts is the caller's question (it gets the
 * certificate; @ggzy/crypto's validateCertificate answers it).
 */
import forge from 'node-forge';
import { SHA256_OID, parseDetachedCms, toBinary } from './cms';

export interface PdfSignatureCheck {
  /** Field name (Signature1, Signature2, …) when found. */
  fieldName: string | null;
  signerSubject: string;
  signerCertificatePem: string;
  signingTime: Date | null;
  /** The signed bytes end here (exclusive): the file's length for the last signature. */
  coversWholeDocumentUpTo: number;
  /** True when nothing follows the signed bytes. */
  coversWholeDocument: boolean;
  /** The digest of the signed bytes matches and the CMS signature verifies with the certificate. */
  intact: boolean;
  /** Why it is not intact. */
  problem?: string;
}

const ASCII = new TextDecoder('latin1');

async function sha256(bytes: Uint8Array): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.digest('SHA-256', bytes as BufferSource));
}

function equal(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

/** Every signature in the file, in file order, each checked. A file without signatures gives []. */
export async function verifyPdfSignatures(pdf: Uint8Array): Promise<PdfSignatureCheck[]> {
  const text = ASCII.decode(pdf);
  const results: PdfSignatureCheck[] = [];
  const byteRangePattern = /\/ByteRange\s*\[\s*(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s*\]/g;
  for (let match = byteRangePattern.exec(text); match; match = byteRangePattern.exec(text)) {
    const [a, b, c, d] = match.slice(1, 5).map(Number) as [number, number, number, number];
    const end = c + d;
    const base = { fieldName: null, signerSubject: '', signerCertificatePem: '', signingTime: null, coversWholeDocumentUpTo: end, coversWholeDocument: end === pdf.length };
    // The gap between the two ranges is exactly the <hex> Contents string.
    if (a !== 0 || end > pdf.length || b >= c || text[b] !== '<' || text[c - 1] !== '>') {
      results.push({ ...base, intact: false, problem: 'ByteRange does not frame a Contents string' });
      continue;
    }
    const hex = text.slice(b + 1, c - 1);
    let cms;
    try {
      cms = parseDetachedCms(new Uint8Array(Buffer.from(hex, 'hex')));
    } catch (error) {
      results.push({ ...base, intact: false, problem: `unreadable CMS: ${(error as Error).message}` });
      continue;
    }
    const signed = new Uint8Array(b + d);
    signed.set(pdf.subarray(0, b), 0);
    signed.set(pdf.subarray(c, end), b);
    const described = { ...base, signerSubject: cms.signerSubject, signerCertificatePem: cms.signerCertificatePem, signingTime: cms.signingTime };
    const fieldName = /\/T\s*\(([^)]*)\)/.exec(text.slice(c, Math.min(text.length, c + 8192)))?.[1] ?? null;
    if (cms.digestAlgorithm !== SHA256_OID) {
      results.push({ ...described, fieldName, intact: false, problem: `unsupported digest ${cms.digestAlgorithm}` });
      continue;
    }
    if (!equal(await sha256(signed), cms.messageDigest)) {
      results.push({ ...described, fieldName, intact: false, problem: 'the signed bytes were changed' });
      continue;
    }
    const key = forge.pki.certificateFromPem(cms.signerCertificatePem).publicKey as forge.pki.rsa.PublicKey;
    let verified = false;
    try {
      const md = forge.md.sha256.create();
      md.update(toBinary(cms.signedAttributesDer));
      verified = key.verify(md.digest().getBytes(), toBinary(cms.signature));
    } catch {
      verified = false;
    }
    results.push(verified ? { ...described, fieldName, intact: true } : { ...described, fieldName, intact: false, problem: 'the CMS signature does not verify' });
  }
  return results;
}
