/**
 * The Node backend (`@ggzy/crypto/node`) against the portable one: same bytes for both suites,
 * whatever the input split and chunk size; envelopes cross between them; the off-thread SHA-256 is
 * SHA-256; the portable SM4-CTR is OpenSSL's sm4-ctr.
 */
import { createCipheriv, createHash, randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { portableBackend } from './backend';
import { SUITE_RSA_AES, SUITE_SM2_SM4, type EnvelopeSuiteId } from './format';
import { createNodeBackend, nodeBackend } from './node/backend';
import { offThreadSha256, openSessionCount } from './node/hash-worker';
import { openEnvelopeToBytes } from './open';
import { suiteById } from './registry';
import { sealEnvelope, sealWithFixedRandomnessForTestVectors } from './seal';
import { generateSm2KeyPair } from './sm2-keys';
import type { EnvelopePrivateKey } from './suite';
import { generateRsaKeyPair, inPieces, sealedBytes } from './test-support';

const keys: Partial<Record<EnvelopeSuiteId, { spki: Uint8Array; privateKey: EnvelopePrivateKey }>> = {};
beforeAll(async () => {
  const rsa = await generateRsaKeyPair();
  keys[SUITE_RSA_AES] = { spki: new Uint8Array(await crypto.subtle.exportKey('spki', rsa.publicKey)), privateKey: rsa.privateKey };
  const sm2 = generateSm2KeyPair();
  keys[SUITE_SM2_SM4] = { spki: sm2.publicKeySpki, privateKey: sm2.privateKey };
});

const syncNode = createNodeBackend({ offThreadDigest: 0 });
const twoWorkers = createNodeBackend({ offThreadDigest: 2 });

describe.each([SUITE_RSA_AES, SUITE_SM2_SM4] as const)('suite %s on both backends', (suite) => {
  it('seals to the same bytes on the portable and the Node backends, and each opens the other’s', async () => {
    const { spki, privateKey } = keys[suite]!;
    await fc.assert(
      fc.asyncProperty(
        fc.uint8Array({ minLength: 0, maxLength: 600 }),
        fc.integer({ min: 16, max: 100 }),
        fc.array(fc.integer({ min: 1, max: 150 }), { minLength: 1, maxLength: 4 }),
        async (plaintext, chunkSize, pieces) => {
          const contentKey = new Uint8Array(randomBytes(32));
          const fixed = {
            contentKey,
            noncePrefix: new Uint8Array(randomBytes(7)),
            salt: new Uint8Array(randomBytes(32)),
            wrappedKeys: [await (await suiteById(suite).importRecipient(spki)).wrap(contentKey)],
          };
          const seal = async (backend: typeof portableBackend) =>
            sealedBytes(
              await sealWithFixedRandomnessForTestVectors(
                { plaintext: inPieces(plaintext, pieces), recipients: [{ role: 'bidder', publicKey: spki }], chunkSize, suite, backend },
                fixed,
              ),
            );
          const portable = await seal(portableBackend);
          expect(await seal(syncNode)).toEqual(portable);
          expect(await seal(nodeBackend)).toEqual(portable);
          expect(await seal(twoWorkers)).toEqual(portable);
          for (const backend of [portableBackend, nodeBackend])
            expect((await openEnvelopeToBytes({ envelope: inPieces(portable, pieces), key: { privateKey }, backend })).plaintext).toEqual(plaintext);
        },
      ),
      { numRuns: 40 },
    );
  });

  it('seals and opens 9 MiB with the default chunks on the Node backend', async () => {
    const { spki, privateKey } = keys[suite]!;
    const plaintext = new Uint8Array(randomBytes(9 * 1024 * 1024 + 77));
    const sealed = await sealEnvelope({ plaintext: inPieces(plaintext, [1 << 20, 12345]), recipients: [{ role: 'bidder', publicKey: spki }], suite, backend: nodeBackend });
    const envelope = await sealedBytes(sealed);
    const summary = await sealed.summary;
    expect(summary.chunks).toBe(3);
    expect(summary.ciphertextSha256).toBe(createHash('sha256').update(envelope).digest('hex'));
    const opened = await openEnvelopeToBytes({ envelope: inPieces(envelope, [999_999]), key: { privateKey }, backend: nodeBackend });
    expect(Buffer.from(opened.plaintext).equals(plaintext)).toBe(true);
  });
});

describe('the Node backend’s parts', () => {
  it('SHA-256 on a worker thread equals SHA-256, for any split into small and large updates, several at once', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.integer({ min: 0, max: 200_000 }), { minLength: 0, maxLength: 12 }), async (sizes) => {
        const parts = sizes.map((n) => new Uint8Array(randomBytes(n)));
        const a = offThreadSha256();
        const b = offThreadSha256();
        for (const p of parts) {
          await a.update(p);
          await b.update(p);
        }
        const expected = parts.reduce((h, p) => h.update(p), createHash('sha256')).digest('hex');
        expect(Buffer.from(await a.digest()).toString('hex')).toBe(expected);
        expect(Buffer.from(await b.digest()).toString('hex')).toBe(expected);
        // The caller's bytes are copied, never transferred away.
        expect(parts.every((p, i) => p.length === sizes[i])).toBe(true);
      }),
      { numRuns: 30 },
    );
  });

  it('waits for the worker when its shared ring is full, never overwriting bytes not yet hashed', async () => {
    // 140 MiB through a 16 MiB ring: without backpressure, later pieces would
    // overwrite earlier ones before the worker read them and the digest would differ.
    // Uneven pieces, then whole 4 MiB pieces that fill the ring exactly to its end.
    const sizes = [...Array.from({ length: 12 }, (_, i) => 5 * 1024 * 1024 + i * 4099), ...Array.from({ length: 20 }, () => 4 * 1024 * 1024), 5, 16];
    const pieces = sizes.map((n, i) => new Uint8Array(n).fill(i + 1));
    const expected = pieces.reduce((h, p) => h.update(p), createHash('sha256')).digest();
    // Copying into the ring is much faster than hashing, so the main thread laps the worker at once.
    const hash = offThreadSha256();
    for (const piece of pieces) await hash.update(piece);
    expect(Buffer.from(await hash.digest()).equals(expected)).toBe(true);
  });

  it('an abandoned seal and a failed open free their worker sessions; the next seal works', async () => {
    const { spki } = keys[SUITE_RSA_AES]!;
    const sealed = await sealEnvelope({ plaintext: [new Uint8Array(5000)], recipients: [{ role: 'bidder', publicKey: spki }], chunkSize: 1024, backend: twoWorkers });
    for await (const _ of sealed.bytes) break;
    await expect(sealed.summary).rejects.toMatchObject({ code: 'invalid-input' });
    expect(openSessionCount()).toBe(0);
    const again = await sealEnvelope({ plaintext: [new Uint8Array(5000)], recipients: [{ role: 'bidder', publicKey: spki }], chunkSize: 1024, backend: nodeBackend });
    const envelope = await sealedBytes(again);
    expect((await again.summary).ciphertextSha256).toBe(createHash('sha256').update(envelope).digest('hex'));
    // A failed open (a flipped bit in the last chunk) leaves no session either (opening hashes on the calling thread).
    const damaged = Uint8Array.from(envelope);
    damaged[damaged.length - 40]! ^= 1;
    await expect(openEnvelopeToBytes({ envelope: [damaged], key: { privateKey: keys[SUITE_RSA_AES]!.privateKey }, backend: twoWorkers })).rejects.toMatchObject({ code: 'tampered' });
    expect(openSessionCount()).toBe(0);
  });

  it('the portable SM4-CTR is OpenSSL’s sm4-ctr, counter carries across bytes included', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 16, maxLength: 16 }),
        fc.uint8Array({ minLength: 16, maxLength: 16 }),
        fc.uint8Array({ minLength: 0, maxLength: 300 }),
        fc.constantFrom(0, 1, 2, 5),
        (key, counter, data, nearCarry) => {
          if (nearCarry) counter.fill(0xff, 16 - nearCarry); // the low bytes about to wrap
          const expected = createCipheriv('sm4-ctr', key, counter).update(data);
          const pieces = [data.subarray(0, data.length >> 1), data.subarray(data.length >> 1)];
          const portable = Buffer.concat(portableBackend.sm4Ctr(key, counter, pieces));
          expect(portable.equals(expected)).toBe(true);
          expect(Buffer.concat(nodeBackend.sm4Ctr(key, counter, pieces)).equals(expected)).toBe(true);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('SM3 and HMAC-SM3 agree between the backends', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), fc.array(fc.uint8Array({ maxLength: 200 }), { maxLength: 4 }), (key, pieces) => {
        expect(portableBackend.sm3(pieces)).toEqual(nodeBackend.sm3(pieces));
        if (key.length > 0) expect(portableBackend.hmacSm3(key, pieces)).toEqual(nodeBackend.hmacSm3(key, pieces));
      }),
      { numRuns: 100 },
    );
  });

  it('the native AES-GCM refuses a wrong tag without releasing anything', async () => {
    const aead = await nodeBackend.aes256Gcm(new Uint8Array(32).fill(1));
    const nonce = new Uint8Array(12);
    const [ciphertext, tag] = (await aead.seal(nonce, new Uint8Array(32), [new Uint8Array(100).fill(9)])) as [Uint8Array, Uint8Array];
    expect(await aead.open(nonce, new Uint8Array(32), ciphertext, tag)).toEqual(new Uint8Array(100).fill(9));
    const bad = Uint8Array.from(tag);
    bad[0]! ^= 1;
    expect(await aead.open(nonce, new Uint8Array(32), ciphertext, bad)).toBeUndefined();
    expect(await aead.open(nonce, new Uint8Array(31), ciphertext, tag)).toBeUndefined();
  });
});
