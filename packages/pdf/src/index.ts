/** Signed PDF documents with Chinese text (docs/decisions/015-signed-pdf.md). */
export { FONT_FILES, loadCjkFont, type FontWeight } from './fonts';
export {
  canonicalOpeningRecord,
  formatChinaTime,
  formatYuanFigures,
  openingRecordDigest,
  openingRecordDocumentSchema,
  openingRecordRowSchema,
  renderOpeningRecordPdf,
  type OpeningRecordDocument,
  type OpeningRecordRow,
} from './opening-record';
export { signPdf, type PdfExternalSigner, type PdfKeySigner, type PdfSigner, type SignatureInfo } from './sign';
export { verifyPdfSignatures, type PdfSignatureCheck } from './verify';
export {
  DEFAULT_DOCUMENT_SIGNER_CN,
  issueDocumentSigningCertificate,
  type DocumentSigningCertificateOptions,
} from './platform-certificate';
