/**
 * Signing a PDF: each signature is an incremental update (ISO 32000-1 §7.5.6) appended to the file,
 * so the bytes an earlier signature covers are never rewritten and several signers (the evaluation
 * report's committee, issue 13) can sign one after another. The placeholder dictionaries come from
 * @signpdf/placeholder-pdf-lib, the ByteRange and Contents are filled by @signpdf/signpdf, and the
 * CMS is ours (cms.ts): detached SignedData, SubFilter ETSI.CAdES.detached (PAdES B-B shape).
 */
import { SignPdf } from '@signpdf/signpdf';
import { pdflibAddPlaceholder } from '@signpdf/placeholder-pdf-lib';
import { SUBFILTER_ETSI_CADES_DETACHED, Signer } from '@signpdf/utils';
import forge from 'node-forge';
import { PDFArray, PDFDict, PDFDocument, PDFName, PDFRef, PDFStream, PDFString, type PDFObject } from 'pdf-lib';
import { createDetachedCms, fromBinary, toBinary, type RawSigner } from './cms';

/** A key and its chain in PEM: the platform's own document-signing key. */
export interface PdfKeySigner {
  /** PKCS#8 (or PKCS#1) RSA private key, PEM. */
  keyPem: string;
  /** The signer's certificate first, then its issuers. */
  certificateChainPem: string[];
}

/**
 * A signer whose key is elsewhere (an HSM, a member's browser): it receives the DER of the CMS
 * signed attributes and returns RSASSA-PKCS1-v1_5/SHA-256 over them (WebCrypto's
 * `sign('RSASSA-PKCS1-v1_5', key, data)` does exactly that).
 */
export interface PdfExternalSigner {
  certificateChainPem: string[];
  sign: RawSigner;
}

export type PdfSigner = PdfKeySigner | PdfExternalSigner;

export interface SignatureInfo {
  /** Why it is signed, shown by readers (e.g. "开标记录签章 Opening record seal"). */
  reason: string;
  /** Who signs, shown by readers. */
  name: string;
  location: string;
  contactInfo?: string;
  /** The signing time to state (the database clock); now otherwise. */
  signingTime?: Date;
}

/** Room for the CMS: a 3072-bit chain of three certificates fits with margin. */
const SIGNATURE_BYTES = 12_000;

function rawSignerOf(signer: PdfSigner): RawSigner {
  if ('sign' in signer) return signer.sign;
  const key = forge.pki.privateKeyFromPem(signer.keyPem) as forge.pki.rsa.PrivateKey;
  if (!key.n) throw new Error('only RSA signing keys are supported for now (SM2 is planned)');
  return async (toBeSigned) => {
    const md = forge.md.sha256.create();
    md.update(toBinary(toBeSigned));
    return fromBinary(key.sign(md));
  };
}

class CmsSigner extends Signer {
  constructor(
    private readonly chain: string[],
    private readonly raw: RawSigner,
    private readonly time: Date,
  ) {
    super();
  }
  override async sign(pdfBuffer: Buffer): Promise<Buffer> {
    return Buffer.from(await createDetachedCms(new Uint8Array(pdfBuffer), this.chain, this.raw, this.time));
  }
}

function serialise(object: PDFObject): Uint8Array {
  const bytes = new Uint8Array(object.sizeInBytes());
  object.copyBytesInto(bytes, 0);
  return bytes;
}

function snapshot(doc: PDFDocument): Map<string, string> {
  const seen = new Map<string, string>();
  for (const [ref, object] of doc.context.enumerateIndirectObjects()) {
    // Streams are never touched by a placeholder; their bytes need not be compared.
    seen.set(ref.toString(), object instanceof PDFStream ? 'stream' : toBinary(serialise(object)));
  }
  return seen;
}

function lastStartXref(pdf: Uint8Array): number {
  const tail = toBinary(pdf.subarray(Math.max(0, pdf.length - 1024)));
  const match = /startxref\s+(\d+)\s+%%EOF\s*$/.exec(tail);
  if (!match) throw new Error('not a PDF: no startxref at its end');
  return Number(match[1]);
}

/**
 * Adds an empty signature field to pdf as an incremental update: the new objects and the changed
 * ones (the page's annotations, the AcroForm, the catalog) after the original bytes, with their own
 * cross-reference section pointing back (/Prev) to the previous one.
 */
async function appendSignaturePlaceholder(pdf: Uint8Array, info: SignatureInfo, signingTime: Date): Promise<Uint8Array> {
  const doc = await PDFDocument.load(pdf, { updateMetadata: false });
  const before = snapshot(doc);
  const existing = doc.catalog.lookupMaybe(PDFName.of('AcroForm'), PDFDict)?.lookupMaybe(PDFName.of('Fields'), PDFArray)?.size() ?? 0;
  pdflibAddPlaceholder({
    pdfDoc: doc,
    reason: info.reason,
    contactInfo: info.contactInfo ?? '',
    name: info.name,
    location: info.location,
    signingTime,
    signatureLength: SIGNATURE_BYTES,
    subFilter: SUBFILTER_ETSI_CADES_DETACHED,
    appName: '@ggzy/pdf',
  });
  // The library names every field Signature1; two fields of one name would be one field to a reader.
  const fields = doc.catalog.lookup(PDFName.of('AcroForm'), PDFDict).lookup(PDFName.of('Fields'), PDFArray);
  const widget = fields.lookup(fields.size() - 1, PDFDict);
  widget.set(PDFName.of('T'), PDFString.of(`Signature${existing + 1}`));

  const changed: Array<[PDFRef, PDFObject]> = [];
  for (const [ref, object] of doc.context.enumerateIndirectObjects()) {
    const was = before.get(ref.toString());
    if (was === undefined || (was !== 'stream' && was !== toBinary(serialise(object)))) changed.push([ref, object]);
  }
  changed.sort(([a], [b]) => a.objectNumber - b.objectNumber);

  const encoder = new TextEncoder();
  const chunks: Uint8Array[] = [pdf, encoder.encode('\n')];
  let offset = pdf.length + 1;
  const offsets = new Map<number, { offset: number; generation: number }>();
  for (const [ref, object] of changed) {
    const head = encoder.encode(`${ref.objectNumber} ${ref.generationNumber} obj\n`);
    const body = serialise(object);
    const tail = encoder.encode('\nendobj\n');
    offsets.set(ref.objectNumber, { offset, generation: ref.generationNumber });
    chunks.push(head, body, tail);
    offset += head.length + body.length + tail.length;
  }
  // Cross-reference section: one subsection per run of consecutive object numbers.
  const numbers = [...offsets.keys()];
  let xref = 'xref\n';
  for (let i = 0; i < numbers.length; ) {
    let j = i;
    while (j + 1 < numbers.length && numbers[j + 1] === numbers[j]! + 1) j++;
    xref += `${numbers[i]} ${j - i + 1}\n`;
    for (let k = i; k <= j; k++) {
      const entry = offsets.get(numbers[k]!)!;
      xref += `${String(entry.offset).padStart(10, '0')} ${String(entry.generation).padStart(5, '0')} n \n`;
    }
    i = j + 1;
  }
  const trailer = doc.context.trailerInfo;
  if (!trailer.Root) throw new Error('not a PDF: the trailer names no catalog');
  const entries = [`/Size ${doc.context.largestObjectNumber + 1}`, `/Root ${trailer.Root.toString()}`];
  if (trailer.Info) entries.push(`/Info ${trailer.Info.toString()}`);
  if (trailer.ID) entries.push(`/ID ${trailer.ID.toString()}`);
  entries.push(`/Prev ${lastStartXref(pdf)}`);
  chunks.push(encoder.encode(`${xref}trailer\n<<\n${entries.join('\n')}\n>>\nstartxref\n${offset}\n%%EOF\n`));

  const out = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}

/**
 * Signs pdf (a detached CMS in a new signature field, appended as an incremental update) and
 * returns the signed file. Signing an already signed file keeps the earlier signatures intact.
 */
export async function signPdf(pdf: Uint8Array, signer: PdfSigner, info: SignatureInfo): Promise<Uint8Array> {
  const signingTime = new Date(info.signingTime ?? Date.now());
  // Whole seconds: the dictionary's /M and the CMS signingTime then say the same.
  signingTime.setUTCMilliseconds(0);
  const withPlaceholder = await appendSignaturePlaceholder(pdf, info, signingTime);
  const signed = await new SignPdf().sign(Buffer.from(withPlaceholder), new CmsSigner(signer.certificateChainPem, rawSignerOf(signer), signingTime));
  return new Uint8Array(signed);
}
