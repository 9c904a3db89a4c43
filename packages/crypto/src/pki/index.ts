/** Certificates: the platform CA, enrolment, PKCS#12 key files, validation and login (DESIGN.md §4, docs/pki.md). */
export { CertificateError, type CertificateErrorCode } from './errors';
export { createPlatformCa, type CreatePlatformCaOptions, type PlatformCa } from './ca';
export {
  createKeyPairAndCsr,
  csrKeyAlgorithm,
  issueCertificate,
  type CertificateUsage,
  type EnrolmentSubject,
  type IssueCertificateOptions,
  type IssuedCertificate,
  type KeyPairAndCsr,
} from './enrol';
export { fromPkcs12, toPkcs12, PKCS12_ITERATIONS, type Pkcs12Contents } from './pkcs12';
export {
  validateCertificate,
  type RequiredUsage,
  type ValidateCertificateOptions,
  type ValidatedCertificate,
} from './validate';
export { signChallenge, verifyChallenge, signMessage, verifyMessage, CHALLENGE_CONTEXT } from './challenge';
export { isCreditCode, publicKeyAlgorithmOfCertificate, type CertificateSubject, type PublicKeyAlgorithm } from './x509';
export { certificateKeyAlgorithm, subjectPublicKeyInfoOf } from './certificate';
export { SM2_DEFAULT_USER_ID, SM2_WITH_SM3, isSm2PrivateKeyPem, sm2PrivateKeyFromPem, sm2PrivateKeyToPem } from './sm2';
