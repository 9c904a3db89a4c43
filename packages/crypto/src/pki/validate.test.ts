import { X509Certificate, createHash, createPublicKey } from 'node:crypto';
import forge from 'node-forge';
import { beforeAll, describe, expect, it } from 'vitest';
import { importRecipientPublicKey } from '../envelope/rsa-aes-suite';
import type { PlatformCa } from './ca';
import { createKeyPairAndCsr, issueCertificate } from './enrol';
import { CertificateError } from './errors';
import {
  BIDDER,
  OTHER_BIDDER,
  codeOf,
  derOf,
  enrol,
  expectRefused,
  forgeCertificate,
  makeCa,
  pemOf,
  publicKeyPemOf,
} from './test-support';
import { validateCertificate } from './validate';
import { hexOf } from './x509';

const DAY = 86_400_000;
let platform: PlatformCa;
let partner: PlatformCa; // an external CA the deployment recognises (CA互认)
let stranger: PlatformCa; // a CA nobody trusts
let bidder: Awaited<ReturnType<typeof enrol>>;

beforeAll(async () => {
  [platform, partner, stranger] = await Promise.all([
    makeCa('GGZY Platform Root CA'),
    makeCa('Partner Province CA'),
    makeCa('Unknown CA'),
  ]);
  bidder = await enrol(platform);
});

const now = () => new Date();
const trusted = () => [platform.certificatePem, partner.certificatePem];

describe('the platform CA and the end-entity profile (docs/pki.md §1)', () => {
  it('creates a self-signed root with CA:true pathlen:0 (critical), keyCertSign+cRLSign and a key id', () => {
    const ca = forge.pki.certificateFromPem(platform.certificatePem);
    expect(ca.verify(ca)).toBe(true);
    expect(ca.getExtension('basicConstraints')).toMatchObject({ cA: true, pathLenConstraint: 0, critical: true });
    expect(ca.getExtension('keyUsage')).toMatchObject({ keyCertSign: true, cRLSign: true, digitalSignature: false, critical: true });
    expect(ca.getExtension('subjectKeyIdentifier')).toBeTruthy();
    expect(ca.validity.notAfter.getUTCFullYear() - ca.validity.notBefore.getUTCFullYear()).toBe(5);
  });

  it('issues a bidder certificate with the subject and key of the request and the profile extensions', () => {
    const cert = forge.pki.certificateFromPem(bidder.certificatePem);
    const csr = forge.pki.certificationRequestFromPem(bidder.csrPem);
    expect(forge.pki.publicKeyToPem(cert.publicKey)).toBe(forge.pki.publicKeyToPem(csr.publicKey!));
    expect(cert.getExtension('basicConstraints')).toMatchObject({ cA: false, critical: true });
    expect(cert.getExtension('keyUsage')).toMatchObject({ digitalSignature: true, keyEncipherment: true, keyCertSign: false, critical: true });
    expect(cert.getExtension('extKeyUsage')).toMatchObject({ clientAuth: true });
    expect(cert.siginfo.algorithmOid).toBe(forge.pki.oids.sha256WithRSAEncryption);
    // Node's own X.509 parser reads the same thing (and the Chinese name survives as UTF-8).
    const x = new X509Certificate(bidder.certificatePem);
    expect(x.subject).toContain('CN=上海示例建设工程有限公司');
    expect(x.subject).toContain('serialNumber=91310000MA1FL0000X');
    expect(x.ca).toBe(false);
    expect(x.checkIssued(new X509Certificate(platform.certificatePem))).toBe(true);
    expect(x.serialNumber.toLowerCase().replace(/^0+/, '')).toBe(bidder.serialNumber);
    expect(bidder.serialNumber.length).toBeGreaterThanOrEqual(30); // 128 random bits
  });

  it('refuses a request whose signature does not verify (bad-csr), before signing anything', async () => {
    const other = await createKeyPairAndCsr({ subject: OTHER_BIDDER });
    const csr = forge.pki.certificationRequestFromPem(bidder.csrPem);
    // Claims another company's public key but is signed with the bidder's own key.
    csr.publicKey = forge.pki.certificationRequestFromPem(other.csrPem).publicKey;
    csr.sign(forge.pki.privateKeyFromPem(bidder.privateKeyPem) as forge.pki.rsa.PrivateKey, forge.md.sha256.create());
    const mismatched = forge.pki.certificationRequestToPem(csr);
    expect(codeOf(() => issueCertificate({ ca: platform, csrPem: mismatched, usage: 'bidder', validityDays: 30 }))).toBe('bad-csr');

    const der = derOf(bidder.csrPem);
    der[der.length - 5] = (der[der.length - 5] ?? 0) ^ 0x01; // a flipped bit in the signature
    const flipped = pemOf(der, 'CERTIFICATE REQUEST');
    expect(codeOf(() => issueCertificate({ ca: platform, csrPem: flipped, usage: 'bidder', validityDays: 30 }))).toBe('bad-csr');
  });

  it('refuses a subject without a well-formed 统一社会信用代码 at enrolment', async () => {
    await expect(createKeyPairAndCsr({ subject: { ...BIDDER, creditCode: '12345' } })).rejects.toMatchObject({ code: 'invalid-input' });
  });
});

describe('validating a certificate for login and submit (docs/pki.md §5)', () => {
  it('accepts a freshly issued certificate and reports the facts the platform needs', async () => {
    const facts = validateCertificate({
      certificatePem: bidder.certificatePem,
      trustedRootPems: trusted(),
      at: now(),
      requiredUsage: 'both',
      revokedSerials: new Set(['01', 'abcdef']),
    });
    expect(facts.subject.commonName).toBe(BIDDER.commonName);
    expect(facts.subject.organisation).toBe(BIDDER.organisation);
    expect(facts.creditCode).toBe(BIDDER.creditCode);
    expect(facts.serialNumber).toBe(bidder.serialNumber);
    expect(facts.trustedRoot).toBe('GGZY Platform Root CA');
    expect(facts.path).toEqual([bidder.certificatePem, platform.certificatePem]);

    // The key id is the envelope's: SHA-256 of the DER SubjectPublicKeyInfo (docs/envelope.md §2).
    const spki = new Uint8Array(createPublicKey(bidder.certificatePem).export({ type: 'spki', format: 'der' }));
    expect(facts.keyId).toBe(createHash('sha256').update(spki).digest('hex'));
    expect(facts.keyId).toBe(hexOf((await importRecipientPublicKey(spki)).keyId));
  });

  it('accepts a certificate from a second trusted root (CA互认) and refuses one from an untrusted CA', async () => {
    const fromPartner = await enrol(partner, OTHER_BIDDER);
    expect(
      validateCertificate({ certificatePem: fromPartner.certificatePem, trustedRootPems: trusted(), at: now(), requiredUsage: 'signature' })
        .trustedRoot,
    ).toBe('Partner Province CA');
    // The same certificate where the deployment does not list the partner.
    expectRefused(
      { certificatePem: fromPartner.certificatePem, trustedRootPems: [platform.certificatePem], at: now(), requiredUsage: 'signature' },
      'untrusted',
    );
    const fromStranger = issueCertificate({ ca: stranger, csrPem: bidder.csrPem, usage: 'bidder', validityDays: 30 });
    const e = expectRefused(
      { certificatePem: fromStranger.certificatePem, trustedRootPems: trusted(), at: now(), requiredUsage: 'signature' },
      'untrusted',
    );
    expect(e.detail).toContain('Unknown CA');
    // The stranger's own root sent along in the chain: still untrusted (not a forgery), and named.
    const sent = expectRefused(
      { certificatePem: fromStranger.certificatePem, intermediatePems: [stranger.certificatePem], trustedRootPems: trusted(), at: now(), requiredUsage: 'signature' },
      'untrusted',
    );
    expect(sent.detail).toContain('is a root CA that is not among the trusted roots');
  });

  it('refuses a certificate from an impostor CA that copies a trusted root’s name (untrusted)', async () => {
    const impostor = await makeCa('GGZY Platform Root CA');
    const forged = issueCertificate({ ca: impostor, csrPem: bidder.csrPem, usage: 'bidder', validityDays: 30 });
    expectRefused({ certificatePem: forged.certificatePem, trustedRootPems: trusted(), at: now(), requiredUsage: 'signature' }, 'untrusted');
  });

  it('refuses an expired certificate and one not valid yet, at the edges of its validity', () => {
    const old = issueCertificate({
      ca: platform,
      csrPem: bidder.csrPem,
      usage: 'bidder',
      validityDays: 1,
      notBefore: new Date(Date.now() - 3 * DAY),
    });
    expectRefused({ certificatePem: old.certificatePem, trustedRootPems: trusted(), at: now(), requiredUsage: 'both' }, 'expired');

    const future = issueCertificate({
      ca: platform,
      csrPem: bidder.csrPem,
      usage: 'bidder',
      validityDays: 30,
      notBefore: new Date(Date.now() + DAY),
    });
    const e = expectRefused({ certificatePem: future.certificatePem, trustedRootPems: trusted(), at: now(), requiredUsage: 'both' }, 'not-yet-valid');
    expect(e.message).toContain('尚未生效');

    const notAfter = forge.pki.certificateFromPem(bidder.certificatePem).validity.notAfter;
    const options = { certificatePem: bidder.certificatePem, trustedRootPems: trusted(), requiredUsage: 'both' } as const;
    expect(validateCertificate({ ...options, at: notAfter }).serialNumber).toBe(bidder.serialNumber);
    expectRefused({ ...options, at: new Date(notAfter.getTime() + 1000) }, 'expired');
  });

  it('refuses a certificate whose CA has expired', async () => {
    const oldCa = await makeCa('Old CA', new Date(Date.now() - 5 * 365 * DAY - 10 * DAY));
    // A leaf valid today under a CA that is not (issueCertificate would have clamped it; built directly).
    const leaf = forgeCertificate({
      issuerPem: oldCa.certificatePem,
      issuerKeyPem: oldCa.privateKeyPem,
      subjectPublicKeyPem: publicKeyPemOf(bidder.privateKeyPem),
      commonName: 'Outlives Its CA Co',
      notBefore: new Date(Date.now() - DAY),
      extensions: [
        { name: 'basicConstraints', cA: false, critical: true },
        { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
      ],
    });
    const e = expectRefused({ certificatePem: leaf, trustedRootPems: [oldCa.certificatePem], at: now(), requiredUsage: 'both' }, 'expired');
    expect(e.detail).toContain('Old CA');
  });

  it('refuses a revoked serial, however it is written', () => {
    for (const written of [bidder.serialNumber, bidder.serialNumber.toUpperCase(), `00${bidder.serialNumber}`]) {
      expectRefused(
        { certificatePem: bidder.certificatePem, trustedRootPems: trusted(), at: now(), requiredUsage: 'both', revokedSerials: new Set([written]) },
        'revoked',
      );
    }
  });

  it('refuses a certificate whose signature was tampered with (bad-signature)', () => {
    const der = derOf(bidder.certificatePem);
    der[der.length - 1] = (der[der.length - 1] ?? 0) ^ 0x01;
    expectRefused({ certificatePem: pemOf(der), trustedRootPems: trusted(), at: now(), requiredUsage: 'both' }, 'bad-signature');

    // A changed subject (one character of the credit code) under the original signature: same outcome.
    const changed = derOf(bidder.certificatePem);
    const at = Buffer.from(changed).indexOf(Buffer.from(BIDDER.creditCode));
    expect(at).toBeGreaterThan(0);
    changed[at + 17] = 'Y'.charCodeAt(0);
    expectRefused({ certificatePem: pemOf(changed), trustedRootPems: trusted(), at: now(), requiredUsage: 'both' }, 'bad-signature');
  });

  it('refuses a certificate without keyEncipherment where the envelope needs it (wrong-usage)', () => {
    const signingOnly = forgeCertificate({
      issuerPem: platform.certificatePem,
      issuerKeyPem: platform.privateKeyPem,
      subjectPublicKeyPem: publicKeyPemOf(bidder.privateKeyPem),
      commonName: 'Signing Only Co',
      extensions: [
        { name: 'basicConstraints', cA: false, critical: true },
        { name: 'keyUsage', digitalSignature: true, critical: true },
      ],
    });
    const base = { certificatePem: signingOnly, trustedRootPems: trusted(), at: now() };
    expect(validateCertificate({ ...base, requiredUsage: 'signature' }).subject.commonName).toBe('Signing Only Co');
    const e = expectRefused({ ...base, requiredUsage: 'keyEncipherment' }, 'wrong-usage');
    expect(e.detail).toContain('keyEncipherment');
    expectRefused({ ...base, requiredUsage: 'both' }, 'wrong-usage');
  });

  it('refuses a CA certificate presented as a bidder’s certificate (is-ca)', () => {
    expectRefused({ certificatePem: partner.certificatePem, trustedRootPems: trusted(), at: now(), requiredUsage: 'signature' }, 'is-ca');
  });

  it('refuses a leaf issued by another leaf (leaf-signed-by-leaf), even when the issuing leaf is valid', async () => {
    const victim = await createKeyPairAndCsr({ subject: OTHER_BIDDER });
    // The bidder's genuine certificate (CA:false) "issues" a certificate for someone else's key.
    const leafOfLeaf = forgeCertificate({
      issuerPem: bidder.certificatePem,
      issuerKeyPem: bidder.privateKeyPem,
      subjectPublicKeyPem: publicKeyPemOf(victim.privateKeyPem),
      commonName: 'Impersonated Co',
      extensions: [
        { name: 'basicConstraints', cA: false, critical: true },
        { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
      ],
    });
    const base = { certificatePem: leafOfLeaf, trustedRootPems: trusted(), at: now(), requiredUsage: 'both' } as const;
    expectRefused({ ...base, intermediatePems: [bidder.certificatePem] }, 'leaf-signed-by-leaf');
    // Without the issuing leaf there is no path at all.
    expectRefused(base, 'untrusted');
  });

  it('follows an external CA’s intermediate, and refuses a sub-CA under the pathlen:0 platform root', async () => {
    const subKey = await createKeyPairAndCsr({ subject: OTHER_BIDDER });
    const caExtensions = [
      { name: 'basicConstraints', cA: true, critical: true },
      { name: 'keyUsage', keyCertSign: true, cRLSign: true, critical: true },
    ];
    const leafExtensions = [
      { name: 'basicConstraints', cA: false, critical: true },
      { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
    ];
    // Sub-CA under the partner root: the partner root has pathlen:0, so this path is not allowed.
    const subCa = forgeCertificate({
      issuerPem: partner.certificatePem,
      issuerKeyPem: partner.privateKeyPem,
      subjectPublicKeyPem: publicKeyPemOf(subKey.privateKeyPem),
      commonName: 'Partner Issuing CA',
      extensions: caExtensions,
      days: 365,
    });
    const leaf = forgeCertificate({
      issuerPem: subCa,
      issuerKeyPem: subKey.privateKeyPem,
      subjectPublicKeyPem: publicKeyPemOf(bidder.privateKeyPem),
      commonName: 'Via Sub-CA Co',
      extensions: leafExtensions,
    });
    const base = { certificatePem: leaf, intermediatePems: [subCa], at: now(), requiredUsage: 'both' } as const;
    const e = expectRefused({ ...base, trustedRootPems: trusted() }, 'untrusted');
    expect(e.detail).toContain('pathLenConstraint');
    // The same shape under a root without a path length limit (a typical external CA) is accepted.
    const openRoot = forge.pki.createCertificate();
    const rootKey = forge.pki.privateKeyFromPem(stranger.privateKeyPem) as forge.pki.rsa.PrivateKey;
    openRoot.publicKey = forge.pki.setRsaPublicKey(rootKey.n, rootKey.e);
    openRoot.serialNumber = '01';
    openRoot.validity.notBefore = new Date(Date.now() - DAY);
    openRoot.validity.notAfter = new Date(Date.now() + 365 * DAY);
    openRoot.setSubject([{ name: 'commonName', value: 'Open External Root' }]);
    openRoot.setIssuer([{ name: 'commonName', value: 'Open External Root' }]);
    openRoot.setExtensions(caExtensions);
    openRoot.sign(rootKey, forge.md.sha256.create());
    const openRootPem = forge.pki.certificateToPem(openRoot);
    const subCa2 = forgeCertificate({
      issuerPem: openRootPem,
      issuerKeyPem: stranger.privateKeyPem,
      subjectPublicKeyPem: publicKeyPemOf(subKey.privateKeyPem),
      commonName: 'Partner Issuing CA',
      extensions: caExtensions,
      days: 365,
    });
    const facts = validateCertificate({ ...base, intermediatePems: [subCa2], trustedRootPems: [...trusted(), openRootPem] });
    expect(facts.trustedRoot).toBe('Open External Root');
    expect(facts.path).toHaveLength(3);
  });

  it('refuses RSA public exponents below 65537 at enrolment', async () => {
    const pair = await crypto.subtle.generateKey(
      { name: 'RSASSA-PKCS1-v1_5', modulusLength: 2048, publicExponent: new Uint8Array([3]), hash: 'SHA-256' },
      true,
      ['sign', 'verify'],
    );
    const keyPem = pemOf(new Uint8Array(await crypto.subtle.exportKey('pkcs8', pair.privateKey)), 'PRIVATE KEY');
    const key = forge.pki.privateKeyFromPem(keyPem) as forge.pki.rsa.PrivateKey;
    const csr = forge.pki.createCertificationRequest();
    csr.publicKey = forge.pki.setRsaPublicKey(key.n, key.e);
    csr.setSubject([{ name: 'commonName', value: 'Small Exponent Co' }]);
    csr.sign(key, forge.md.sha256.create());
    const refused = (() => {
      try {
        issueCertificate({ ca: platform, csrPem: forge.pki.certificationRequestToPem(csr), usage: 'bidder', validityDays: 30 });
        return null;
      } catch (error) {
        return error as CertificateError;
      }
    })();
    expect(refused?.code).toBe('bad-csr');
    expect(refused?.detail).toContain('exponents below 65537');
    // The same request with F4 is issued.
    expect(issueCertificate({ ca: platform, csrPem: bidder.csrPem, usage: 'bidder', validityDays: 30 }).certificatePem).toContain('BEGIN CERTIFICATE');
  });

  it('refuses RSA keys shorter than 2048 bits at enrolment and at validation', async () => {
    const pair = await crypto.subtle.generateKey(
      { name: 'RSASSA-PKCS1-v1_5', modulusLength: 1024, publicExponent: new Uint8Array([1, 0, 1]), hash: 'SHA-256' },
      true,
      ['sign', 'verify'],
    );
    const pkcs8 = new Uint8Array(await crypto.subtle.exportKey('pkcs8', pair.privateKey));
    const weakKeyPem = pemOf(pkcs8, 'PRIVATE KEY');
    const weak = forge.pki.privateKeyFromPem(weakKeyPem) as forge.pki.rsa.PrivateKey;
    const csr = forge.pki.createCertificationRequest();
    csr.publicKey = forge.pki.setRsaPublicKey(weak.n, weak.e);
    csr.setSubject([{ name: 'commonName', value: 'Weak Co' }]);
    csr.sign(weak, forge.md.sha256.create());
    const csrPem = forge.pki.certificationRequestToPem(csr);
    expect(codeOf(() => issueCertificate({ ca: platform, csrPem, usage: 'bidder', validityDays: 30 }))).toBe('bad-csr');
    const weakCert = forgeCertificate({
      issuerPem: platform.certificatePem,
      issuerKeyPem: platform.privateKeyPem,
      subjectPublicKeyPem: publicKeyPemOf(weakKeyPem),
      commonName: 'Weak Co',
      extensions: [{ name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true }],
    });
    const e = expectRefused({ certificatePem: weakCert, trustedRootPems: trusted(), at: now(), requiredUsage: 'both' }, 'malformed');
    expect(e.detail).toContain('2048');
  });

  it('refuses what is not a certificate (malformed) with a typed error', () => {
    expectRefused({ certificatePem: 'hello', trustedRootPems: trusted(), at: now(), requiredUsage: 'both' }, 'malformed');
    const der = derOf(bidder.certificatePem).slice(0, 200);
    expectRefused({ certificatePem: pemOf(der), trustedRootPems: trusted(), at: now(), requiredUsage: 'both' }, 'malformed');
    expect(() => validateCertificate({ certificatePem: bidder.certificatePem, trustedRootPems: [], at: now(), requiredUsage: 'both' })).toThrow(
      CertificateError,
    );
  });
});
