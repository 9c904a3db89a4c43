/**
 * Helpers for the certificate tests only (imported by *.test.ts files, never by the module itself).
 */
import forge from 'node-forge';
import { expect } from 'vitest';
import { createPlatformCa, type PlatformCa } from './ca';
import { createKeyPairAndCsr, issueCertificate, type EnrolmentSubject } from './enrol';
import { CertificateError, type CertificateErrorCode } from './errors';
import { validateCertificate, type ValidateCertificateOptions } from './validate';
import { decodedAttributes } from './x509';

/** Credit codes in the GB 32100-2015 shape (the check digit is not verified by the profile). */
export const BIDDER: EnrolmentSubject = {
  commonName: '上海示例建设工程有限公司',
  organisation: '上海示例建设工程有限公司',
  creditCode: '91310000MA1FL0000X',
};
export const OTHER_BIDDER: EnrolmentSubject = {
  commonName: 'Example Engineering Co., Ltd.',
  organisation: 'Example Engineering Co., Ltd.',
  creditCode: '91110108MA00000001',
};

export function makeCa(commonName: string, notBefore?: Date): Promise<PlatformCa> {
  return createPlatformCa({ commonName, organisation: 'GGZY Test', validityYears: 5, modulusLength: 2048, notBefore });
}

export async function enrol(ca: PlatformCa, subject = BIDDER, extra: { validityDays?: number; notBefore?: Date } = {}) {
  const { privateKeyPem, csrPem } = await createKeyPairAndCsr({ subject });
  const issued = issueCertificate({ ca, csrPem, usage: 'bidder', validityDays: extra.validityDays ?? 365, notBefore: extra.notBefore });
  return { privateKeyPem, csrPem, ...issued };
}

/** Builds a certificate directly with node-forge, bypassing issueCertificate's profile. */
export function forgeCertificate(options: {
  issuerPem: string;
  issuerKeyPem: string;
  subjectPublicKeyPem: string;
  commonName: string;
  extensions: object[];
  notBefore?: Date;
  days?: number;
}): string {
  const issuer = forge.pki.certificateFromPem(options.issuerPem);
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.publicKeyFromPem(options.subjectPublicKeyPem);
  cert.serialNumber = '0a1b2c3d4e5f';
  cert.validity.notBefore = options.notBefore ?? new Date(Date.now() - 60_000);
  cert.validity.notAfter = new Date(cert.validity.notBefore.getTime() + (options.days ?? 30) * 86_400_000);
  cert.setSubject([{ name: 'commonName', value: options.commonName }, { name: 'organizationName', value: 'Forged Co' }]);
  cert.setIssuer(decodedAttributes(issuer.subject.attributes));
  cert.setExtensions(options.extensions);
  cert.sign(forge.pki.privateKeyFromPem(options.issuerKeyPem) as forge.pki.rsa.PrivateKey, forge.md.sha256.create());
  return forge.pki.certificateToPem(cert);
}

export function publicKeyPemOf(privateKeyPem: string): string {
  const key = forge.pki.privateKeyFromPem(privateKeyPem) as forge.pki.rsa.PrivateKey;
  return forge.pki.publicKeyToPem(forge.pki.setRsaPublicKey(key.n, key.e));
}

export function derOf(pem: string): Uint8Array {
  const body = forge.pem.decode(pem)[0]?.body ?? '';
  return Uint8Array.from(body, (c) => c.charCodeAt(0));
}

export function pemOf(der: Uint8Array, type = 'CERTIFICATE'): string {
  return forge.pem.encode({ type, body: String.fromCharCode(...der) });
}

export function codeOf(run: () => unknown): CertificateErrorCode | 'ok' {
  try {
    run();
    return 'ok';
  } catch (error) {
    if (error instanceof CertificateError) return error.code;
    throw error;
  }
}

/** Expects validation to fail with `code`, and the message to be bilingual. */
export function expectRefused(options: ValidateCertificateOptions, code: CertificateErrorCode): CertificateError {
  try {
    validateCertificate(options);
  } catch (error) {
    expect(error).toBeInstanceOf(CertificateError);
    const e = error as CertificateError;
    expect(e.code).toBe(code);
    expect(e.message).toMatch(/[\u4e00-\u9fff]/);
    expect(e.message).toMatch(/[A-Za-z]{4}/);
    return e;
  }
  throw new Error(`expected ${code}, but the certificate was accepted`);
}
