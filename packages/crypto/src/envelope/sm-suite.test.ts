/**
 * The GM/T suite's edges (docs/envelope.md §9): sizes, keys of the wrong algorithm, SM2 key
 * encodings from OpenSSL, and the recipient helper the browser uses.
 */
import { execFileSync } from 'node:child_process';
import { createHash, generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { SUITE_RSA_AES, SUITE_SM2_SM4 } from './format';
import { openEnvelopeToBytes } from './open';
import { envelopeRecipientFromSpki } from './recipient';
import { sealEnvelope } from './seal';
import { generateSm2KeyPair, sm2PrivateKeyFromPkcs8, sm2SpkiOfPoint } from './sm2-keys';
import { generateRsaKeyPair, sealedBytes, tryOpen } from './test-support';

const KiB = 1024;
const metadata = { bidder: '91310000MA1FL0000X', section: 'GGZY-2026-0042-01' };

describe('the GM/T suite', () => {
  it('has the sizes docs/envelope.md §8 gives: a 303-byte header with one SM2 recipient, +164 per recipient', async () => {
    const [a, b] = [generateSm2KeyPair(), generateSm2KeyPair()];
    for (const [recipients, headerLength] of [[[a], 303], [[a, b], 467]] as const) {
      const sealed = await sealEnvelope({
        plaintext: [new Uint8Array(5000)],
        recipients: recipients.map((k, i) => ({ role: i === 0 ? 'bidder' : 'opening', publicKey: k.publicKeySpki })),
        suite: SUITE_SM2_SM4,
        metadata,
        chunkSize: KiB,
      });
      const envelope = await sealedBytes(sealed);
      expect(sealed.headerBytes.length).toBe(headerLength);
      expect(envelope.length).toBe(headerLength + (5000 + 32) + 21 * Math.ceil((5000 + 32) / KiB) + 32);
    }
  });

  it('refuses keys of the other algorithm when sealing, and reports wrong-key when opening with one', async () => {
    const rsa = await generateRsaKeyPair();
    const rsaSpki = new Uint8Array(await crypto.subtle.exportKey('spki', rsa.publicKey));
    const sm2 = generateSm2KeyPair();
    await expect(sealEnvelope({ plaintext: [], recipients: [{ role: 'bidder', publicKey: rsaSpki }], suite: SUITE_SM2_SM4 })).rejects.toMatchObject({ code: 'invalid-input' });
    await expect(sealEnvelope({ plaintext: [], recipients: [{ role: 'bidder', publicKey: rsa.publicKey }], suite: SUITE_SM2_SM4 })).rejects.toMatchObject({ code: 'invalid-input' });
    await expect(sealEnvelope({ plaintext: [], recipients: [{ role: 'bidder', publicKey: sm2.publicKeySpki }], suite: SUITE_RSA_AES })).rejects.toMatchObject({ code: 'invalid-input' });
    const p256 = new Uint8Array(generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ type: 'spki', format: 'der' }));
    await expect(sealEnvelope({ plaintext: [], recipients: [{ role: 'bidder', publicKey: p256 }], suite: SUITE_SM2_SM4 })).rejects.toMatchObject({ code: 'invalid-input' });

    const smEnvelope = await sealedBytes(await sealEnvelope({ plaintext: [new Uint8Array(10)], recipients: [{ role: 'bidder', publicKey: sm2.publicKeySpki }], suite: SUITE_SM2_SM4 }));
    const rsaEnvelope = await sealedBytes(await sealEnvelope({ plaintext: [new Uint8Array(10)], recipients: [{ role: 'bidder', publicKey: rsaSpki }] }));
    expect((await tryOpen(smEnvelope, { privateKey: rsa.privateKey })).code).toBe('wrong-key');
    expect((await tryOpen(rsaEnvelope, { privateKey: sm2.privateKey })).code).toBe('wrong-key');
    expect((await tryOpen(smEnvelope, { privateKey: generateSm2KeyPair().privateKey })).code).toBe('wrong-key');
  });

  it('reads SM2 keys as OpenSSL writes them, and a compressed point names the same key', async () => {
    const pem = execFileSync('openssl', ['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:SM2'], { encoding: 'utf8' });
    const pkcs8 = new Uint8Array(Buffer.from(pem.replace(/-----[^-]+-----|\s/g, ''), 'base64'));
    const key = sm2PrivateKeyFromPkcs8(pkcs8);
    const spki = execFileSync('openssl', ['pkey', '-pubout', '-outform', 'DER'], { input: pem });
    expect(Buffer.from(sm2SpkiOfPoint(key.publicPoint)).equals(spki)).toBe(true);
    const compressed = execFileSync('openssl', ['ec', '-pubout', '-outform', 'DER', '-conv_form', 'compressed'], { input: pem, stdio: ['pipe', 'pipe', 'ignore'] });
    expect(compressed.length).toBeLessThan(spki.length);

    const viaCompressed = await envelopeRecipientFromSpki({ role: 'bidder', spki: new Uint8Array(compressed), suite: SUITE_SM2_SM4, expectedKeyId: createHash('sha256').update(spki).digest('hex') });
    const sealed = await sealEnvelope({ plaintext: [new TextEncoder().encode('价格')], recipients: [viaCompressed], suite: SUITE_SM2_SM4 });
    const envelope = await sealedBytes(sealed);
    expect(new TextDecoder().decode((await openEnvelopeToBytes({ envelope: [envelope], key: { privateKey: key } })).plaintext)).toBe('价格');
  });

  it('checks the key id the server announced, and refuses what is not base64', async () => {
    const sm2 = generateSm2KeyPair();
    const base64 = Buffer.from(sm2.publicKeySpki).toString('base64');
    const keyId = createHash('sha256').update(sm2.publicKeySpki).digest('hex');
    await expect(envelopeRecipientFromSpki({ role: 'opening', spki: base64, suite: SUITE_SM2_SM4, expectedKeyId: keyId })).resolves.toMatchObject({ role: 'opening' });
    await expect(envelopeRecipientFromSpki({ role: 'opening', spki: base64, suite: SUITE_SM2_SM4, expectedKeyId: '00'.repeat(32) })).rejects.toMatchObject({ code: 'invalid-input' });
    await expect(envelopeRecipientFromSpki({ role: 'opening', spki: '%%%', suite: SUITE_SM2_SM4 })).rejects.toMatchObject({ code: 'invalid-input' });
  });
});
