/**
 * The opening's decryption on worker threads (decrypt-pool.ts), against real envelopes sealed with the
 * platform's own code: the plaintext and both digests come back exactly; a wrong key, an altered chunk
 * and a changed header fail as openEnvelope fails; an abandoned open frees its worker; an envelope far
 * larger than the flow-control window goes through; several at once all finish.
 */
import { EnvelopeError, readEnvelopeHeader, sealEnvelope, unwrapEnvelopeContentKey } from '@ggzy/crypto';
import { nodeBackend } from '@ggzy/crypto/node';
import { createHash, generateKeyPairSync, randomBytes, webcrypto } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { DECRYPTION_WORKERS, openEnvelopeOffThread } from './decrypt-pool';

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

// Generous: the first open starts the workers (tsx loads the worker's TypeScript), and CI shares 2 cores.
describe('decryption on worker threads', { timeout: 180_000 }, () => {
  let spki: Uint8Array;
  let privateKey: CryptoKey;
  const sealed = async (plaintext: Uint8Array, chunkSize?: number) => {
    const s = await sealEnvelope({ plaintext: [plaintext], recipients: [{ role: 'bidder', publicKey: spki }], metadata: { section: 'S-1' }, backend: nodeBackend, ...(chunkSize ? { chunkSize } : {}) });
    const parts: Uint8Array[] = [];
    for await (const p of s.bytes) parts.push(p.slice());
    const bytes = Buffer.concat(parts);
    const { headerSha256 } = await readEnvelopeHeader([bytes]);
    return { bytes, headerSha256, contentKey: await unwrapEnvelopeContentKey(s.header, privateKey) };
  };
  /** The envelope as a store streams it: in pieces of `piece` bytes, each in a buffer of its own. */
  const source = (bytes: Uint8Array, piece = 1 << 20) => async () =>
    (async function* () {
      for (let o = 0; o < bytes.length; o += piece) yield Buffer.from(bytes.subarray(o, Math.min(bytes.length, o + piece)));
    })();
  const drain = async (open: ReturnType<typeof openEnvelopeOffThread>) => {
    const parts: Uint8Array[] = [];
    for await (const p of open.plaintext) parts.push(p);
    return Buffer.concat(parts);
  };

  beforeAll(async () => {
    const pair = generateKeyPairSync('rsa', { modulusLength: 2048 });
    spki = new Uint8Array(pair.publicKey.export({ type: 'spki', format: 'der' }));
    privateKey = (await webcrypto.subtle.importKey('pkcs8', pair.privateKey.export({ type: 'pkcs8', format: 'der' }), { name: 'RSA-OAEP', hash: 'SHA-256' }, false, ['decrypt'])) as CryptoKey;
  });

  it('gives back the plaintext and the digests of the envelope and the plaintext, and zeroes the key it was given', async () => {
    const plaintext = randomBytes(3 * 2 ** 20 + 17);
    const env = await sealed(plaintext, 2 ** 20);
    const key = env.contentKey.slice();
    const open = openEnvelopeOffThread({ envelope: source(env.bytes, 100_000), contentKey: key, headerSha256: env.headerSha256 });
    expect(sha256(await drain(open))).toBe(sha256(plaintext)); // (toEqual walks megabytes byte by byte)
    expect(open.digests()).toEqual({ envelopeSha256: sha256(env.bytes), plaintextSha256: sha256(plaintext) });
    expect(key.every((b) => b === 0)).toBe(true);
  });

  it('fails as openEnvelope does: a wrong key, an altered chunk, a header other than the one checked', async () => {
    const plaintext = randomBytes(2 * 2 ** 20);
    const env = await sealed(plaintext, 2 ** 20);
    const failure = async (bytes: Uint8Array, contentKey: Uint8Array, headerSha256 = env.headerSha256) => {
      const error = await drain(openEnvelopeOffThread({ envelope: source(bytes), contentKey, headerSha256 })).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(EnvelopeError);
      return (error as EnvelopeError).code;
    };
    expect(await failure(env.bytes, randomBytes(32))).toBe('wrong-key');
    const altered = Buffer.from(env.bytes);
    altered[altered.length - 100]! ^= 1;
    expect(await failure(altered, env.contentKey.slice())).toBe('tampered');
    expect(await failure(env.bytes, env.contentKey.slice(), 'f'.repeat(64))).toBe('tampered');
    // None of it stops the next open.
    expect(sha256(await drain(openEnvelopeOffThread({ envelope: source(env.bytes), contentKey: env.contentKey.slice(), headerSha256: env.headerSha256 })))).toBe(sha256(plaintext));
  });

  it('frees the worker of an open abandoned half-way, and passes on a failure of the source', async () => {
    const plaintext = randomBytes(6 * 2 ** 20);
    const env = await sealed(plaintext, 2 ** 20);
    for (let i = 0; i < DECRYPTION_WORKERS + 1; i++) {
      const open = openEnvelopeOffThread({ envelope: source(env.bytes), contentKey: env.contentKey.slice(), headerSha256: env.headerSha256 });
      for await (const _ of open.plaintext) break;
      expect(() => open.digests()).toThrow(/not been read to its end/);
    }
    const broken = async () =>
      (async function* () {
        yield Buffer.from(env.bytes.subarray(0, 2 ** 20));
        throw new Error('the store went away');
      })();
    await expect(drain(openEnvelopeOffThread({ envelope: broken, contentKey: env.contentKey.slice(), headerSha256: env.headerSha256 }))).rejects.toThrow('the store went away');
    expect(sha256(await drain(openEnvelopeOffThread({ envelope: source(env.bytes), contentKey: env.contentKey.slice(), headerSha256: env.headerSha256 })))).toBe(sha256(plaintext));
  });

  it('opens an envelope much larger than its flow-control window, and several at once', async () => {
    const large = randomBytes(40 * 2 ** 20);
    const env = await sealed(large);
    const many = await Promise.all(
      [0, 1, 2].map(async (i) => {
        const plaintext = randomBytes(2 ** 20 * (i + 1));
        const e = await sealed(plaintext, 2 ** 20);
        return { plaintext, e };
      }),
    );
    const [big, ...rest] = await Promise.all([
      drain(openEnvelopeOffThread({ envelope: source(env.bytes, 4 * 2 ** 20), contentKey: env.contentKey.slice(), headerSha256: env.headerSha256 })),
      ...many.map((m) => drain(openEnvelopeOffThread({ envelope: source(m.e.bytes), contentKey: m.e.contentKey.slice(), headerSha256: m.e.headerSha256 }))),
    ]);
    expect(sha256(big!)).toBe(sha256(large));
    rest.forEach((r, i) => expect(sha256(r)).toBe(sha256(many[i]!.plaintext)));
  });
});
