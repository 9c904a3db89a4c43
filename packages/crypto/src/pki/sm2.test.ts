/**
 * SM2 certificates (GM/T 0015): an SM2 platform CA, SM2 key pairs and requests made by the holder,
 * validation with the same order and typed refusals as RSA, trust in an external SM2 root made by
 * OpenSSL (CA互认), SM2 login and message signatures, and the SM2 PKCS#12 key file. OpenSSL 3 is the
 * independent check throughout (with distid 1234567812345678, the GM/T default user id).
 */
import { execFileSync } from 'node:child_process';
import { X509Certificate, createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import forge from 'node-forge';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SUITE_SM2_SM4 } from '../envelope/format';
import { openEnvelopeToBytes } from '../envelope/open';
import { sealEnvelope } from '../envelope/seal';
import { generateSm2KeyPair } from '../envelope/sm2-keys';
import { collect } from '../envelope/test-support';
import { createPlatformCa, type PlatformCa } from './ca';
import { readCertificate } from './certificate';
import { signChallenge, signMessage, verifyChallenge, verifyMessage } from './challenge';
import { createKeyPairAndCsr, issueCertificate } from './enrol';
import { CertificateError } from './errors';
import { fromPkcs12, toPkcs12 } from './pkcs12';
import { signSm2Certificate, sm2PrivateKeyFromPem, sm2SubjectKeyIdentifier } from './sm2';
import { BIDDER, OTHER_BIDDER, codeOf, derOf, expectRefused, makeCa, pemOf } from './test-support';
import { validateCertificate } from './validate';
import { decodedAttributes } from './x509';

const DAY = 86_400_000;
const PASSWORD = 'correct horse 9';
let dir: string;
let sm2Ca: PlatformCa;
let bidder: { privateKeyPem: string; csrPem: string; certificatePem: string; serialNumber: string };
const now = () => new Date();

async function enrolSm2(ca: PlatformCa, subject = BIDDER, extra: { validityDays?: number; notBefore?: Date } = {}) {
  const { privateKeyPem, csrPem } = await createKeyPairAndCsr({ subject, algorithm: 'sm2' });
  const issued = issueCertificate({ ca, csrPem, usage: 'bidder', validityDays: extra.validityDays ?? 365, notBefore: extra.notBefore });
  return { privateKeyPem, csrPem, ...issued };
}

/** An SM2 certificate built directly, bypassing the profile, signed by `issuer` (an SM2 CA or leaf). */
function sm2Certificate(options: { issuerPem: string; issuerKeyPem: string; commonName: string; extensions: object[]; days?: number }) {
  const pair = generateSm2KeyPair();
  const issuerForge = readIssuer(options.issuerPem);
  const cert = forge.pki.createCertificate();
  cert.serialNumber = '0a1b2c3d4e5f';
  cert.validity.notBefore = new Date(Date.now() - 60_000);
  cert.validity.notAfter = new Date(Date.now() + (options.days ?? 30) * DAY);
  cert.setSubject([{ name: 'commonName', value: options.commonName }]);
  cert.setIssuer(issuerForge);
  cert.setExtensions([...options.extensions, sm2SubjectKeyIdentifier(pair.privateKey.publicPoint)]);
  const pem = signSm2Certificate(cert, pair.privateKey.publicPoint, sm2PrivateKeyFromPem(options.issuerKeyPem)!);
  return { pem, keyPem: forge.pem.encode({ type: 'PRIVATE KEY', body: String.fromCharCode(...pair.privateKeyPkcs8) }) };
}

function readIssuer(pem: string): forge.pki.CertificateField[] {
  // The issuer's subject exactly as encoded in its own certificate.
  return decodedAttributes(readCertificate(pem).forge.subject.attributes);
}

function openssl(args: string[]): string {
  return execFileSync('openssl', args, { cwd: dir, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ggzy-sm2-pki-'));
  sm2Ca = await createPlatformCa({ commonName: 'GGZY SM2 Root CA', organisation: 'GGZY Test', validityYears: 5, algorithm: 'sm2' });
  bidder = await enrolSm2(sm2Ca);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('an SM2 platform CA and SM2 end-entity certificates (docs/pki.md §1, §3)', () => {
  it('creates a self-signed SM2-with-SM3 root with the platform CA profile, which OpenSSL verifies', () => {
    writeFileSync(join(dir, 'ca.pem'), sm2Ca.certificatePem);
    const text = openssl(['x509', '-in', 'ca.pem', '-noout', '-text']);
    expect(text).toContain('Signature Algorithm: SM2-with-SM3');
    expect(text).toContain('ASN1 OID: SM2');
    expect(text).toMatch(/Basic Constraints: critical\s+CA:TRUE, pathlen:0/);
    expect(text).toMatch(/Key Usage: critical\s+Certificate Sign, CRL Sign/);
    expect(openssl(['verify', '-vfyopt', 'distid:1234567812345678', '-CAfile', 'ca.pem', 'ca.pem'])).toContain('OK');
    expect(sm2Ca.privateKeyPem).toContain('BEGIN PRIVATE KEY');
  });

  it('enrols an SM2 bidder: the holder’s SM2 key and request, an SM2 certificate OpenSSL verifies against the root', () => {
    writeFileSync(join(dir, 'leaf.pem'), bidder.certificatePem);
    writeFileSync(join(dir, 'csr.pem'), bidder.csrPem);
    writeFileSync(join(dir, 'key.pem'), bidder.privateKeyPem);
    expect(execFileSync('openssl', ['req', '-in', 'csr.pem', '-verify', '-noout', '-vfyopt', 'distid:1234567812345678'], { cwd: dir, encoding: 'utf8', stdio: 'pipe' })).toBe('');
    expect(openssl(['pkey', '-in', 'key.pem', '-noout', '-text'])).toContain('ASN1 OID: SM2');
    expect(openssl(['verify', '-vfyopt', 'distid:1234567812345678', '-CAfile', 'ca.pem', 'leaf.pem'])).toContain('leaf.pem: OK');
    const text = openssl(['x509', '-in', 'leaf.pem', '-noout', '-text']);
    expect(text).toMatch(/Key Usage: critical\s+Digital Signature, Key Encipherment/);
    expect(text).toContain('CA:FALSE');
    const x = new X509Certificate(bidder.certificatePem);
    expect(x.subject).toContain('CN=上海示例建设工程有限公司');
    expect(x.subject).toContain('serialNumber=91310000MA1FL0000X');
    expect(x.serialNumber.toLowerCase().replace(/^0+/, '')).toBe(bidder.serialNumber);
  });

  it('keeps the algorithms apart: an SM2 CA refuses an RSA request and an RSA CA an SM2 request (bad-csr)', async () => {
    const rsaRequest = await createKeyPairAndCsr({ subject: OTHER_BIDDER });
    expect(codeOf(() => issueCertificate({ ca: sm2Ca, csrPem: rsaRequest.csrPem, usage: 'bidder', validityDays: 30 }))).toBe('bad-csr');
    const rsaCa = await makeCa('RSA Root');
    expect(codeOf(() => issueCertificate({ ca: rsaCa, csrPem: bidder.csrPem, usage: 'bidder', validityDays: 30 }))).toBe('bad-csr');
  });

  it('refuses an SM2 request whose self-signature does not verify', () => {
    const der = derOf(bidder.csrPem);
    der[der.length - 3]! ^= 0x01;
    expect(codeOf(() => issueCertificate({ ca: sm2Ca, csrPem: pemOf(der, 'CERTIFICATE REQUEST'), usage: 'bidder', validityDays: 30 }))).toBe('bad-csr');
  });
});

describe('validating SM2 certificates (docs/pki.md §5)', () => {
  it('accepts an SM2 certificate and reports its facts; the key id and SPKI are what the GM/T envelope suite seals to', async () => {
    const facts = validateCertificate({ certificatePem: bidder.certificatePem, trustedRootPems: [sm2Ca.certificatePem], at: now(), requiredUsage: 'both' });
    expect(facts.algorithm).toBe('sm2');
    expect(facts.creditCode).toBe(BIDDER.creditCode);
    expect(facts.trustedRoot).toBe('GGZY SM2 Root CA');
    const spki = new X509Certificate(bidder.certificatePem).publicKey.export({ type: 'spki', format: 'der' });
    expect(Buffer.from(facts.publicKeySpki).equals(spki)).toBe(true);
    expect(facts.keyId).toBe(createHash('sha256').update(spki).digest('hex'));

    const sealed = await sealEnvelope({ plaintext: [new TextEncoder().encode('报价 1 元')], recipients: [{ role: 'bidder', publicKey: facts.publicKeySpki }], suite: SUITE_SM2_SM4 });
    const envelope = await collect(sealed.bytes);
    expect(Buffer.from(sealed.header.recipients[0]!.keyId).toString('hex')).toBe(facts.keyId);
    const opened = await openEnvelopeToBytes({ envelope: [envelope], key: { privateKey: sm2PrivateKeyFromPem(bidder.privateKeyPem)! } });
    expect(new TextDecoder().decode(opened.plaintext)).toBe('报价 1 元');
  });

  it('trusts an external SM2 root made by OpenSSL (CA互认) and a leaf it issued; refuses it where not listed', () => {
    openssl(['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:SM2', '-out', 'ext-ca.key']);
    openssl(['req', '-x509', '-new', '-key', 'ext-ca.key', '-sm3', '-subj', '/C=CN/O=Partner/CN=Partner SM2 CA', '-days', '30', '-out', 'ext-ca.pem',
      '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign']);
    openssl(['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:SM2', '-out', 'ext-leaf.key']);
    openssl(['req', '-new', '-key', 'ext-leaf.key', '-sm3', '-subj', '/C=CN/O=Example Co/CN=Example Co/serialNumber=91110108MA00000001', '-out', 'ext-leaf.csr']);
    writeFileSync(join(dir, 'ext.cnf'), 'keyUsage=critical,digitalSignature,keyEncipherment\nbasicConstraints=critical,CA:FALSE\nauthorityKeyIdentifier=keyid\n');
    openssl(['x509', '-req', '-in', 'ext-leaf.csr', '-CA', 'ext-ca.pem', '-CAkey', 'ext-ca.key', '-sm3', '-days', '10', '-extfile', 'ext.cnf', '-out', 'ext-leaf.pem']);
    const root = readFileSync(join(dir, 'ext-ca.pem'), 'utf8');
    const leaf = readFileSync(join(dir, 'ext-leaf.pem'), 'utf8');
    const facts = validateCertificate({ certificatePem: leaf, trustedRootPems: [sm2Ca.certificatePem, root], at: now(), requiredUsage: 'signature' });
    expect(facts.trustedRoot).toBe('Partner SM2 CA');
    expect(facts.creditCode).toBe('91110108MA00000001');
    expectRefused({ certificatePem: leaf, trustedRootPems: [sm2Ca.certificatePem], at: now(), requiredUsage: 'signature' }, 'untrusted');
    // The SM2 request OpenSSL made is accepted by the platform's SM2 CA as well.
    const issued = issueCertificate({ ca: sm2Ca, csrPem: readFileSync(join(dir, 'ext-leaf.csr'), 'utf8'), usage: 'bidder', validityDays: 30 });
    expect(validateCertificate({ certificatePem: issued.certificatePem, trustedRootPems: [sm2Ca.certificatePem], at: now(), requiredUsage: 'both' }).subject.commonName).toBe('Example Co');
  });

  it('gives the same typed refusals as for RSA: expired, not yet valid, revoked', async () => {
    const old = await enrolSm2(sm2Ca, BIDDER, { notBefore: new Date(Date.now() - 40 * DAY), validityDays: 30 });
    const base = { trustedRootPems: [sm2Ca.certificatePem], requiredUsage: 'signature' as const };
    expectRefused({ ...base, certificatePem: old.certificatePem, at: now() }, 'expired');
    expectRefused({ ...base, certificatePem: bidder.certificatePem, at: new Date(Date.now() - 2 * DAY) }, 'not-yet-valid');
    expectRefused({ ...base, certificatePem: bidder.certificatePem, at: now(), revokedSerials: new Set([`00${bidder.serialNumber.toUpperCase()}`]) }, 'revoked');
  });

  it('refuses wrong usage, a CA as holder, a leaf signed by a leaf, a tampered signature, a CA of another key', async () => {
    const base = { trustedRootPems: [sm2Ca.certificatePem], at: now() };
    const signOnly = sm2Certificate({
      issuerPem: sm2Ca.certificatePem,
      issuerKeyPem: sm2Ca.privateKeyPem,
      commonName: 'Sign Only',
      extensions: [{ name: 'basicConstraints', cA: false, critical: true }, { name: 'keyUsage', digitalSignature: true, critical: true }],
    });
    expect(validateCertificate({ ...base, certificatePem: signOnly.pem, requiredUsage: 'signature' }).algorithm).toBe('sm2');
    expectRefused({ ...base, certificatePem: signOnly.pem, requiredUsage: 'keyEncipherment' }, 'wrong-usage');
    expectRefused({ ...base, certificatePem: sm2Ca.certificatePem, requiredUsage: 'signature' }, 'is-ca');

    const byLeaf = sm2Certificate({
      issuerPem: bidder.certificatePem,
      issuerKeyPem: bidder.privateKeyPem,
      commonName: 'Issued By A Leaf',
      extensions: [{ name: 'basicConstraints', cA: false, critical: true }, { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true }],
    });
    expectRefused({ ...base, certificatePem: byLeaf.pem, intermediatePems: [bidder.certificatePem], requiredUsage: 'signature' }, 'leaf-signed-by-leaf');

    const der = derOf(bidder.certificatePem);
    der[der.length - 10]! ^= 0x01; // inside the signature
    expectRefused({ ...base, certificatePem: pemOf(der), requiredUsage: 'signature' }, 'bad-signature');

    // A second SM2 CA copying the root's name: its leaves name its own key id, so the trusted root is no candidate.
    const impostor = await createPlatformCa({ commonName: 'GGZY SM2 Root CA', organisation: 'GGZY Test', validityYears: 5, algorithm: 'sm2' });
    const fromImpostor = await enrolSm2(impostor);
    expectRefused({ ...base, certificatePem: fromImpostor.certificatePem, requiredUsage: 'signature' }, 'untrusted');
  });
});

describe('SM2 signatures for login and signed messages (docs/pki.md §6)', () => {
  it('signs a challenge with SM2/SM3 and verifies it with the certificate; refuses other keys, messages and contexts', async () => {
    const challenge = new Uint8Array(32).map((_, i) => i * 7);
    const signature = signChallenge(bidder.privateKeyPem, challenge);
    expect(verifyChallenge(bidder.certificatePem, challenge, signature)).toBe(true);
    expect(verifyChallenge(bidder.certificatePem, challenge.map((b, i) => (i === 0 ? b ^ 1 : b)), signature)).toBe(false);
    const other = await enrolSm2(sm2Ca, OTHER_BIDDER);
    expect(verifyChallenge(other.certificatePem, challenge, signature)).toBe(false);
    const message = new TextEncoder().encode('{"type":"ggzy-bid-submit/v1"}');
    const submit = signMessage(bidder.privateKeyPem, 'ggzy-bid-submit/v1', message);
    expect(verifyMessage(bidder.certificatePem, 'ggzy-bid-submit/v1', message, submit)).toBe(true);
    expect(verifyMessage(bidder.certificatePem, 'ggzy-bid-withdraw/v1', message, submit)).toBe(false);
    expect(verifyChallenge(bidder.certificatePem, message.subarray(0, 29), submit)).toBe(false);
    expect(() => signMessage(bidder.privateKeyPem, 'ggzy-login-challenge/v1', message)).toThrow(CertificateError);
  });

  it('signs exactly context ‖ 0x00 ‖ message with the GM/T default user id, as OpenSSL checks it', () => {
    const message = new TextEncoder().encode('投标文件摘要 0123');
    writeFileSync(join(dir, 'msg.bin'), Buffer.concat([Buffer.from('ggzy-bid-submit/v1\u0000'), message]));
    writeFileSync(join(dir, 'sig.der'), signMessage(bidder.privateKeyPem, 'ggzy-bid-submit/v1', message));
    openssl(['x509', '-in', 'leaf.pem', '-pubkey', '-noout', '-out', 'leaf-pub.pem']);
    expect(openssl(['dgst', '-sm3', '-verify', 'leaf-pub.pem', '-sigopt', 'distid:1234567812345678', '-signature', 'sig.der', 'msg.bin'])).toContain('Verified OK');
  });
});

describe('the SM2 key file (docs/pki.md §4)', () => {
  it('writes a PKCS#12 with the same parameters as for RSA, which OpenSSL opens, and reads it back', () => {
    const p12 = toPkcs12({ certificatePem: bidder.certificatePem, privateKeyPem: bidder.privateKeyPem, password: PASSWORD, chainPems: [sm2Ca.certificatePem] });
    const back = fromPkcs12(p12, PASSWORD);
    expect(back).toEqual({ certificatePem: bidder.certificatePem, privateKeyPem: bidder.privateKeyPem, chainPems: [sm2Ca.certificatePem] });
    writeFileSync(join(dir, 'bidder.p12'), p12);
    const info = execFileSync('openssl', ['pkcs12', '-in', 'bidder.p12', '-passin', `pass:${PASSWORD}`, '-info', '-noout'], { cwd: dir, encoding: 'utf8', stdio: 'pipe' });
    expect(info).toBeDefined();
    const run = execFileSync('openssl', ['pkcs12', '-in', 'bidder.p12', '-passin', `pass:${PASSWORD}`, '-info', '-nodes'], { cwd: dir, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    expect(run).toContain('BEGIN PRIVATE KEY');
    const opensslKey = run.slice(run.indexOf('-----BEGIN PRIVATE KEY-----'), run.indexOf('-----END PRIVATE KEY-----') + 25);
    expect(sm2PrivateKeyFromPem(opensslKey)?.d).toEqual(sm2PrivateKeyFromPem(bidder.privateKeyPem)?.d);
  });

  it('refuses a wrong password (wrong-password), a key of another certificate and a weak password (invalid-input)', async () => {
    const p12 = toPkcs12({ certificatePem: bidder.certificatePem, privateKeyPem: bidder.privateKeyPem, password: PASSWORD });
    expect(codeOf(() => fromPkcs12(p12, 'wrong password'))).toBe('wrong-password');
    const other = await enrolSm2(sm2Ca, OTHER_BIDDER);
    expect(codeOf(() => toPkcs12({ certificatePem: bidder.certificatePem, privateKeyPem: other.privateKeyPem, password: PASSWORD }))).toBe('invalid-input');
    expect(codeOf(() => toPkcs12({ certificatePem: bidder.certificatePem, privateKeyPem: bidder.privateKeyPem, password: 'short' }))).toBe('invalid-input');
  });
});
