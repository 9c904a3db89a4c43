import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import forge from 'node-forge';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PlatformCa } from './ca';
import { signChallenge, verifyChallenge } from './challenge';
import { fromPkcs12, toPkcs12 } from './pkcs12';
import { OTHER_BIDDER, codeOf, enrol, makeCa } from './test-support';
import { validateCertificate } from './validate';

let ca: PlatformCa;
let bidder: Awaited<ReturnType<typeof enrol>>;
let other: Awaited<ReturnType<typeof enrol>>;
let p12: Uint8Array;
const PASSWORD = 'correct horse battery staple';
const dir = mkdtempSync(join(tmpdir(), 'ggzy-pki-'));

beforeAll(async () => {
  ca = await makeCa('GGZY Platform Root CA');
  [bidder, other] = await Promise.all([enrol(ca), enrol(ca, OTHER_BIDDER)]);
  p12 = toPkcs12({ certificatePem: bidder.certificatePem, privateKeyPem: bidder.privateKeyPem, password: PASSWORD, chainPems: [ca.certificatePem] });
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function hasOpenssl(): boolean {
  try {
    execFileSync('openssl', ['version']);
    return true;
  } catch {
    return false;
  }
}

describe('the holder’s PKCS#12 key file (docs/pki.md §4)', () => {
  it('round-trips the certificate, the private key and the chain', () => {
    const back = fromPkcs12(p12, PASSWORD);
    expect(back.certificatePem).toBe(bidder.certificatePem);
    expect(back.chainPems).toEqual([ca.certificatePem]);
    // The key is the same key: it signs what the certificate verifies.
    const challenge = crypto.getRandomValues(new Uint8Array(32));
    expect(verifyChallenge(back.certificatePem, challenge, signChallenge(back.privateKeyPem, challenge))).toBe(true);
    expect(validateCertificate({ certificatePem: back.certificatePem, trustedRootPems: back.chainPems, at: new Date(), requiredUsage: 'both' }).creditCode).toBe(
      '91310000MA1FL0000X',
    );
  });

  it('encrypts the key with PBES2 (PBKDF2-HMAC-SHA256, AES-256-CBC) and keeps no key in clear', () => {
    // The OIDs' DER encodings inside the (nested) PFX structure.
    const der = String.fromCharCode(...p12);
    const has = (oid: string) => der.includes(forge.asn1.oidToDer(oid).getBytes());
    expect(has('1.2.840.113549.1.5.13')).toBe(true); // PBES2
    expect(has('1.2.840.113549.1.5.12')).toBe(true); // PBKDF2
    expect(has('2.16.840.1.101.3.4.1.42')).toBe(true); // aes256-CBC
    expect(has('1.2.840.113549.2.9')).toBe(true); // hmacWithSHA256
    expect(has('1.2.840.113549.1.12.10.1.2')).toBe(true); // pkcs8ShroudedKeyBag
    expect(has('1.2.840.113549.1.12.10.1.1')).toBe(false); // no plain keyBag
  });

  it('refuses a wrong password with wrong-password, and a damaged file with malformed', () => {
    expect(codeOf(() => fromPkcs12(p12, 'correct horse battery stapler'))).toBe('wrong-password');
    expect(codeOf(() => fromPkcs12(new Uint8Array([1, 2, 3]), PASSWORD))).toBe('malformed');
  });

  it('refuses a key that does not belong to the certificate, and a weak password', () => {
    expect(codeOf(() => toPkcs12({ certificatePem: bidder.certificatePem, privateKeyPem: other.privateKeyPem, password: PASSWORD }))).toBe(
      'invalid-input',
    );
    expect(codeOf(() => toPkcs12({ certificatePem: bidder.certificatePem, privateKeyPem: bidder.privateKeyPem, password: 'short' }))).toBe(
      'invalid-input',
    );
  });

  it.runIf(hasOpenssl())('opens with OpenSSL (the format other tools read)', () => {
    const file = join(dir, 'bidder.p12');
    writeFileSync(file, p12);
    const out = execFileSync('openssl', ['pkcs12', '-in', file, '-passin', `pass:${PASSWORD}`, '-nodes'], { encoding: 'utf8' });
    expect(out).toContain('BEGIN PRIVATE KEY');
    // -info reports on stderr.
    const run = spawnSync('openssl', ['pkcs12', '-in', file, '-passin', `pass:${PASSWORD}`, '-info', '-noout'], { encoding: 'utf8' });
    const info = `${run.stdout}${run.stderr}`;
    expect(info).toMatch(/MAC: sha1, Iteration 50000/);
    expect(info).toMatch(/Shrouded Keybag: PBES2, PBKDF2, AES-256-CBC, Iteration 50000, PRF hmacWithSHA256/);
    expect(out.match(/BEGIN CERTIFICATE/g)).toHaveLength(2);
    expect(() => execFileSync('openssl', ['pkcs12', '-in', file, '-passin', 'pass:wrong-password', '-nodes'], { stdio: 'pipe' })).toThrow();
  });
});

describe('certificate login: challenge signatures (docs/pki.md §6)', () => {
  it('verifies a signature by the certificate’s key over the challenge, and nothing else', () => {
    const challenge = crypto.getRandomValues(new Uint8Array(32));
    const signature = signChallenge(bidder.privateKeyPem, challenge);
    expect(signature).toHaveLength(256);
    expect(verifyChallenge(bidder.certificatePem, challenge, signature)).toBe(true);
    // Another company's key, another challenge, a flipped bit: all refused.
    expect(verifyChallenge(bidder.certificatePem, challenge, signChallenge(other.privateKeyPem, challenge))).toBe(false);
    expect(verifyChallenge(other.certificatePem, challenge, signature)).toBe(false);
    const otherChallenge = challenge.slice();
    otherChallenge[0] = (otherChallenge[0] ?? 0) ^ 1;
    expect(verifyChallenge(bidder.certificatePem, otherChallenge, signature)).toBe(false);
    const flipped = signature.slice();
    flipped[100] = (flipped[100] ?? 0) ^ 1;
    expect(verifyChallenge(bidder.certificatePem, challenge, flipped)).toBe(false);
    expect(verifyChallenge(bidder.certificatePem, challenge, signature.slice(1))).toBe(false);
  });

  it('is domain-separated: a plain signature over the same bytes (say, a submit digest) does not log in', async () => {
    const challenge = crypto.getRandomValues(new Uint8Array(32));
    const pkcs8 = forge.pem.decode(bidder.privateKeyPem)[0]?.body ?? '';
    const key = await crypto.subtle.importKey(
      'pkcs8',
      Uint8Array.from(pkcs8, (c) => c.charCodeAt(0)),
      { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' },
      false,
      ['sign'],
    );
    const plain = new Uint8Array(await crypto.subtle.sign('RSASSA-PKCS1-v1_5', key, challenge));
    expect(verifyChallenge(bidder.certificatePem, challenge, plain)).toBe(false);
    // WebCrypto over the documented message (context ‖ 0x00 ‖ challenge) is what signChallenge produces.
    const message = new Uint8Array([...new TextEncoder().encode('ggzy-login-challenge/v1'), 0, ...challenge]);
    const webcrypto = new Uint8Array(await crypto.subtle.sign('RSASSA-PKCS1-v1_5', key, message));
    expect(webcrypto).toEqual(signChallenge(bidder.privateKeyPem, challenge));
  });

  it('refuses challenges that are too short to be random', () => {
    expect(codeOf(() => signChallenge(bidder.privateKeyPem, new Uint8Array(8)))).toBe('invalid-input');
  });
});
