/** Certificate checks on Node's OpenSSL for the server (verify.ts, validate.ts); browsers use pki/ alone. */
export { createCertificateValidator, validateCertificateNode, type CertificateValidator, type CertificateValidatorOptions } from './validate';
export { signatureVerifiesNode, verifyChallengeNode, verifyMessageNode } from './verify';
