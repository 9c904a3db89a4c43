/**
 * The opening's decryption on worker threads (decrypt-pool.ts, open-bid.ts), against real bid bundles
 * sealed with the platform's own code in a real disk store: the worker reads the envelope and stores
 * the plaintext itself, and the digests and opening schedule it reports are exactly the stored
 * bytes'; a wrong key, an altered chunk, a changed header and a plaintext that is not a bid bundle
 * fail as they would on the main thread, storing nothing; other bytes already stored under the key
 * are refused and the same bytes accepted; a bid past the in-memory limit goes through a temporary
 * file; several at once all finish.
 */
import { EnvelopeError, readEnvelopeHeader, sealEnvelope, unwrapEnvelopeContentKey } from '@ggzy/crypto';
import { nodeBackend } from '@ggzy/crypto/node';
import { BidBundleError, createBidBundle, type OpeningSchedule } from '@ggzy/domain';
import { createDiskStore, ObjectExistsError, type ObjectStore } from '@ggzy/storage';
import { createHash, generateKeyPairSync, randomBytes, webcrypto } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DECRYPTION_WORKERS, openBidOffThread } from './decrypt-pool';
import { openAndStoreBid } from './open-bid';

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

// Generous: the first open starts the workers (tsx loads the worker's TypeScript), and CI shares 2 cores.
describe('decryption on worker threads', { timeout: 180_000 }, () => {
  let spki: Uint8Array;
  let privateKey: CryptoKey;
  let dir: string;
  let store: ObjectStore;
  let n = 0;
  const schedule = (i: number): OpeningSchedule => ({ version: 1, priceFen: 123_456_00 + i, durationDays: 180, quality: '合格', bondReference: `BH-${i}` });
  const bundleOf = async (content: Uint8Array, i = 0) => {
    const parts: Uint8Array[] = [];
    for await (const p of createBidBundle({ openingSchedule: schedule(i), files: [{ part: 'technical', name: '技术标.pdf', size: content.length, stream: (async function* () { yield content; })() }] }).bytes) parts.push(p);
    return Buffer.concat(parts);
  };
  /** Seals `plaintext` into the store; returns what a hand-over gives the pool. */
  const stored = async (plaintext: Uint8Array, options: { chunkSize?: number; alter?: (envelope: Buffer) => void } = {}) => {
    const s = await sealEnvelope({ plaintext: [plaintext], recipients: [{ role: 'bidder', publicKey: spki }], metadata: { section: 'S-1' }, backend: nodeBackend, ...(options.chunkSize ? { chunkSize: options.chunkSize } : {}) });
    const parts: Uint8Array[] = [];
    for await (const p of s.bytes) parts.push(p.slice());
    const bytes = Buffer.concat(parts);
    const { headerSha256 } = await readEnvelopeHeader([bytes]);
    options.alter?.(bytes);
    const id = ++n;
    await store.put(`bids/${id}`, bytes);
    return { envelopeSha256: sha256(bytes), job: { envelopeKey: `bids/${id}`, plaintextKey: `opened/${id}`, contentKey: await unwrapEnvelopeContentKey(s.header, privateKey), headerSha256 } };
  };
  const failure = (promise: Promise<unknown>) => promise.then(() => null, (e: unknown) => e);

  beforeAll(async () => {
    const pair = generateKeyPairSync('rsa', { modulusLength: 2048 });
    spki = new Uint8Array(pair.publicKey.export({ type: 'spki', format: 'der' }));
    privateKey = (await webcrypto.subtle.importKey('pkcs8', pair.privateKey.export({ type: 'pkcs8', format: 'der' }), { name: 'RSA-OAEP', hash: 'SHA-256' }, false, ['decrypt'])) as CryptoKey;
    dir = await mkdtemp(join(tmpdir(), 'ggzy-decrypt-pool-'));
    store = createDiskStore({ dir });
    await store.ensureReady();
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('stores the plaintext from the worker and reports its digest, the envelope’s and the opening schedule; zeroes the key it was given', async () => {
    const bundle = await bundleOf(randomBytes(3 * 2 ** 20 + 17), 7);
    const bid = await stored(bundle, { chunkSize: 2 ** 20 });
    const key = bid.job.contentKey.slice();
    const opened = await openBidOffThread(store, { ...bid.job, contentKey: key });
    expect(opened).toEqual({ schedule: schedule(7), plaintextSha256: sha256(bundle), plaintextBytes: bundle.length, envelopeSha256: bid.envelopeSha256 });
    // The stored bytes are the bundle's (compared by digest: toEqual walks megabytes byte by byte).
    expect(sha256(await store.getBytes(bid.job.plaintextKey))).toBe(sha256(bundle));
    expect(await store.head(bid.job.plaintextKey)).toMatchObject({ sha256: sha256(bundle), size: bundle.length, contentType: 'application/zip' });
    expect(key.every((b) => b === 0)).toBe(true);
    // Again with the same bytes already stored (an attempt that stopped before recording): accepted.
    expect(await openBidOffThread(store, { ...bid.job, contentKey: bid.job.contentKey.slice() })).toEqual(opened);
  });

  it('fails as on the main thread, storing nothing: a wrong key, an altered chunk, a changed header, a plaintext that is no bid bundle', async () => {
    const bundle = await bundleOf(randomBytes(2 * 2 ** 20));
    const bid = await stored(bundle, { chunkSize: 2 ** 20 });
    const wrongKey = await failure(openBidOffThread(store, { ...bid.job, contentKey: randomBytes(32) }));
    expect(wrongKey).toBeInstanceOf(EnvelopeError);
    expect((wrongKey as EnvelopeError).code).toBe('wrong-key');
    const altered = await stored(bundle, { chunkSize: 2 ** 20, alter: (b) => void (b[b.length - 100]! ^= 1) });
    expect(await failure(openBidOffThread(store, altered.job))).toMatchObject({ code: 'tampered' });
    expect(await failure(openBidOffThread(store, { ...bid.job, contentKey: bid.job.contentKey.slice(), headerSha256: 'f'.repeat(64) }))).toMatchObject({ code: 'tampered' });
    const notABundle = await stored(randomBytes(100_000));
    const bad = await failure(openBidOffThread(store, notABundle.job));
    expect(bad).toBeInstanceOf(BidBundleError);
    expect((bad as BidBundleError).zh).toMatch(/[\u4e00-\u9fff]/);
    for (const key of [bid.job.plaintextKey, altered.job.plaintextKey, notABundle.job.plaintextKey]) expect(await store.head(key)).toBeNull();
    // None of it stops the next bid.
    expect((await openBidOffThread(store, bid.job)).plaintextSha256).toBe(sha256(bundle));
  });

  it('refuses a plaintext key that already holds other bytes', async () => {
    const bundle = await bundleOf(randomBytes(50_000));
    const bid = await stored(bundle);
    await store.put(bid.job.plaintextKey, new Uint8Array([1, 2, 3]));
    expect(await failure(openBidOffThread(store, bid.job))).toBeInstanceOf(ObjectExistsError);
    expect([...(await store.getBytes(bid.job.plaintextKey))]).toEqual([1, 2, 3]);
  });

  it('a bid of 70 MiB and several small ones at once all finish', async () => {
    const large = await bundleOf(randomBytes(70 * 2 ** 20));
    const big = await stored(large);
    const many: { bundle: Buffer; bid: Awaited<ReturnType<typeof stored>> }[] = [];
    for (const i of [0, 1, 2, 3]) {
      const bundle = await bundleOf(randomBytes(2 ** 20 * (i + 1)), i);
      many.push({ bundle, bid: await stored(bundle, { chunkSize: 2 ** 20 }) });
    }
    const [first, ...rest] = await Promise.all([openBidOffThread(store, big.job), ...many.map((m) => openBidOffThread(store, m.bid.job))]);
    expect(first).toMatchObject({ plaintextSha256: sha256(large), plaintextBytes: large.length, envelopeSha256: big.envelopeSha256 });
    expect(sha256(await store.getBytes(big.job.plaintextKey))).toBe(sha256(large));
    rest.forEach((r, i) => expect(r).toMatchObject({ plaintextSha256: sha256(many[i]!.bundle), schedule: schedule(i) }));
    expect(DECRYPTION_WORKERS).toBeGreaterThanOrEqual(1);
  });

  it('the same work on the calling thread gives the same answer (the worker adds no logic of its own)', async () => {
    const bundle = await bundleOf(randomBytes(1_500_000), 3);
    const a = await stored(bundle, { chunkSize: 2 ** 20 });
    const here = await openAndStoreBid(store, a.job);
    expect(here).toEqual({ schedule: schedule(3), plaintextSha256: sha256(bundle), plaintextBytes: bundle.length, envelopeSha256: a.envelopeSha256 });
  });
});
