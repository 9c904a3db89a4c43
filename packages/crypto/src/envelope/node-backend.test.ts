/**
 * The Node backend (`@ggzy/crypto/node`) against the portable one: same bytes for both suites,
 * whatever the input split and chunk size; envelopes cross between them; sealing a file to a file
 * (sealFileToFile, what `ggzy seal` runs) writes exactly the portable backend's envelope; the
 * off-thread SHA-256 is SHA-256 and the off-thread AES-GCM is AES-GCM; shared buffers are not
 * reported idle before the worker has read them; a dead worker fails its seal only; the portable
 * SM4-CTR is OpenSSL's sm4-ctr.
 */
import { createCipheriv, createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { portableBackend } from './backend';
import { PREAMBLE_LENGTH, RECORD_HEADER_LENGTH, SUITE_RSA_AES, SUITE_SM2_SM4, type EnvelopeSuiteId } from './format';
import { createNodeBackend, nodeBackend } from './node/backend';
import { writeEnvelopeFile } from './node/file-sink';
import { offThreadGcm, offThreadSha256, openSessionCount, SharedSlots } from './node/hash-worker';
import { sealFileToFile, sealFileToFileWith } from './node/seal-file';
import { openEnvelopeToBytes } from './open';
import { suiteById } from './registry';
import { sealEnvelope, sealWithFixedRandomnessForTestVectors } from './seal';
import { generateSm2KeyPair } from './sm2-keys';
import type { EnvelopePrivateKey } from './suite';
import { generateRsaKeyPair, inPieces, sealedBytes } from './test-support';

const keys: Partial<Record<EnvelopeSuiteId, { spki: Uint8Array; privateKey: EnvelopePrivateKey }>> = {};
let dir: string;
afterAll(() => rmSync(dir, { recursive: true, force: true }));
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ggzy-node-backend-'));
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

describe.each([SUITE_RSA_AES, SUITE_SM2_SM4] as const)('suite %s, a file sealed to a file', (suite) => {
  it('writes exactly the portable backend’s envelope, whatever the size against the chunk', async () => {
    const { spki, privateKey } = keys[suite]!;
    let run = 0;
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 16, max: 96 }), fc.integer({ min: 0, max: 1000 }), async (chunkSize, length) => {
        const plaintext = new Uint8Array(randomBytes(length));
        const input = join(dir, `bid-${suite.slice(0, 3)}-${run}`);
        const output = join(dir, `sealed-${suite.slice(0, 3)}-${run++}`);
        writeFileSync(input, plaintext);
        const contentKey = new Uint8Array(randomBytes(32));
        const fixed = {
          contentKey,
          noncePrefix: new Uint8Array(randomBytes(7)),
          salt: new Uint8Array(randomBytes(32)),
          wrappedKeys: [await (await suiteById(suite).importRecipient(spki)).wrap(contentKey)],
        };
        const options = { recipients: [{ role: 'bidder' as const, publicKey: spki }], chunkSize, suite, metadata: { section: 'S-1' } };
        const summary = await sealFileToFileWith({ ...options, input, output }, (o) => sealWithFixedRandomnessForTestVectors(o, fixed));
        const portable = await sealedBytes(await sealWithFixedRandomnessForTestVectors({ ...options, plaintext: [plaintext], backend: portableBackend }, fixed));
        const written = new Uint8Array(readFileSync(output));
        expect(written).toEqual(portable);
        expect(summary.ciphertextSha256).toBe(createHash('sha256').update(written).digest('hex'));
        expect(summary.plaintextBytes).toBe(length);
        expect((await openEnvelopeToBytes({ envelope: [written], key: { privateKey } })).plaintext).toEqual(plaintext);
        rmSync(input);
        rmSync(output);
      }),
      { numRuns: 25 },
    );
    expect(openSessionCount()).toBe(0);
  });

  it('seals thousands of small chunks, the hashing workers lagging far behind the reader', async () => {
    const { privateKey, spki } = keys[suite]!;
    const plaintext = new Uint8Array(randomBytes(300_000));
    const input = join(dir, `many-${suite.slice(0, 3)}`);
    const output = join(dir, `many-${suite.slice(0, 3)}.ggzy`);
    writeFileSync(input, plaintext);
    const summary = await sealFileToFile({ input, output, recipients: [{ role: 'bidder', publicKey: spki }], chunkSize: 64, suite });
    const written = readFileSync(output);
    expect(summary.chunks).toBe(Math.ceil((300_000 + 32) / 64));
    expect(summary.ciphertextSha256).toBe(createHash('sha256').update(written).digest('hex'));
    expect((await openEnvelopeToBytes({ envelope: [written], key: { privateKey }, backend: nodeBackend })).plaintext).toEqual(plaintext);
  });

  it('refuses to overwrite a file, and fails on a missing bid, freeing its workers', async () => {
    const { spki } = keys[suite]!;
    const output = join(dir, `exists-${suite.slice(0, 3)}`);
    writeFileSync(output, 'keep me');
    const recipients = [{ role: 'bidder' as const, publicKey: spki }];
    await expect(sealFileToFile({ input: join(dir, 'no-such-bid'), output, recipients, suite })).rejects.toMatchObject({ code: 'EEXIST' });
    expect(readFileSync(output, 'utf8')).toBe('keep me');
    const fresh = join(dir, `fresh-${suite.slice(0, 3)}`);
    await expect(sealFileToFile({ input: join(dir, 'no-such-bid'), output: fresh, recipients, suite })).rejects.toMatchObject({ code: 'ENOENT' });
    expect(openSessionCount()).toBe(0);
  });
});

describe('a fresh process', () => {
  // The lanes are started on demand and kept per process: a process whose first seal is SM2 never
  // starts the SHA-256 commitment lane (the CLI's case; this file's other tests start every lane).
  it.each([SUITE_SM2_SM4, SUITE_RSA_AES] as const)('seals a file in suite %s as its first seal, and the envelope opens', async (suite) => {
    const script = join(dir, `first-seal-${suite.slice(0, 3)}.mts`);
    const here = new URL('.', import.meta.url).pathname;
    writeFileSync(
      script,
      `import { randomBytes, createHash } from 'node:crypto';
       import { writeFileSync, readFileSync } from 'node:fs';
       import { sealFileToFile } from ${JSON.stringify(join(here, 'node/seal-file.ts'))};
       import { openEnvelopeToBytes } from ${JSON.stringify(join(here, 'open.ts'))};
       import { nodeBackend } from ${JSON.stringify(join(here, 'node/backend.ts'))};
       import { generateSm2KeyPair } from ${JSON.stringify(join(here, 'sm2-keys.ts'))};
       import { generateRsaKeyPair } from ${JSON.stringify(join(here, 'test-support.ts'))};
       const suite = ${JSON.stringify(suite)};
       let spki, privateKey;
       if (suite.startsWith('sm2/')) ({ publicKeySpki: spki, privateKey } = generateSm2KeyPair());
       else { const rsa = await generateRsaKeyPair(); spki = new Uint8Array(await crypto.subtle.exportKey('spki', rsa.publicKey)); privateKey = rsa.privateKey; }
       const bid = randomBytes(5 * 1024 * 1024 + 7);
       writeFileSync(process.argv[2], bid);
       await sealFileToFile({ input: process.argv[2], output: process.argv[3], recipients: [{ role: 'bidder', publicKey: spki }], suite });
       const opened = await openEnvelopeToBytes({ envelope: [readFileSync(process.argv[3])], key: { privateKey }, backend: nodeBackend });
       console.log(createHash('sha256').update(opened.plaintext).digest('hex') === createHash('sha256').update(bid).digest('hex') ? 'opened' : 'different');`,
    );
    const { execFileSync } = await import('node:child_process');
    const out = execFileSync(process.execPath, ['--import', 'tsx', script, join(dir, `first-${suite.slice(0, 3)}.bin`), join(dir, `first-${suite.slice(0, 3)}.ggzy`)], { encoding: 'utf8', timeout: 60_000 });
    expect(out.trim()).toBe('opened');
  });
});

describe('writing an envelope file', () => {
  it('writes every byte, whatever the pieces, and refuses an existing file', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.integer({ min: 0, max: 200_000 }), { maxLength: 12 }), async (sizes) => {
        const pieces = sizes.map((n) => new Uint8Array(randomBytes(n)));
        const path = join(dir, `sink-${sizes.length}-${sizes[0] ?? 0}`);
        rmSync(path, { force: true });
        expect(await writeEnvelopeFile(inPieces(Buffer.concat(pieces), sizes.length ? sizes : [1]), path)).toBe(pieces.reduce((n, p) => n + p.length, 0));
        expect(readFileSync(path).equals(Buffer.concat(pieces))).toBe(true);
        await expect(writeEnvelopeFile(inPieces(new Uint8Array(1)), path)).rejects.toMatchObject({ code: 'EEXIST' });
        rmSync(path);
      }),
      { numRuns: 20 },
    );
  });

  it('passes on the producer’s error', async () => {
    const path = join(dir, 'sink-failing');
    async function* failing() {
      yield new Uint8Array(100_000);
      throw new Error('the producer failed');
    }
    await expect(writeEnvelopeFile(failing(), path)).rejects.toThrow('the producer failed');
    expect(existsSync(path)).toBe(true); // removing it is the caller's business (it chose the path)
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

  it('AES-GCM on a worker thread equals AES-GCM, for pieces in shared slots and outside them', async () => {
    const out = new SharedSlots(2, 300_016);
    const source = new SharedSlots(1, 300_000);
    try {
      await fc.assert(
        fc.asyncProperty(fc.array(fc.integer({ min: 0, max: 100_000 }), { maxLength: 3 }), fc.boolean(), async (sizes, inSlot) => {
          const key = new Uint8Array(randomBytes(32));
          const nonce = new Uint8Array(randomBytes(12));
          const ad = new Uint8Array(randomBytes(64));
          let o = 0;
          const pieces = sizes.map((n) => {
            const piece = inSlot ? source.views[0]!.subarray(o, o + n) : new Uint8Array(n);
            piece.set(randomBytes(n));
            o += n;
            return piece;
          });
          await source.idle(0);
          const [body] = await offThreadGcm(key, out).seal(nonce, ad, pieces);
          const cipher = createCipheriv('aes-256-gcm', key, nonce, { authTagLength: 16 }).setAAD(ad);
          const expected = Buffer.concat([...pieces.map((p) => cipher.update(p)), cipher.final(), cipher.getAuthTag()]);
          expect(Buffer.from(body!).equals(expected)).toBe(true);
        }),
        { numRuns: 40 },
      );
    } finally {
      out.close();
      source.close();
    }
  });

  it('reports a shared slot idle only once the worker has hashed it', async () => {
    // 64 MiB takes the worker tens of milliseconds; overwriting right after idle() must not change the digest.
    const slots = new SharedSlots(1, 64 * 1024 * 1024);
    try {
      const data = slots.views[0]!;
      for (let o = 0; o < data.length; o += 1 << 20) data.set(randomBytes(1 << 20), o);
      const expected = createHash('sha256').update(data).digest('hex');
      const hash = offThreadSha256();
      await hash.update(data);
      await slots.idle(0);
      data.fill(0);
      expect(Buffer.from(await hash.digest()).toString('hex')).toBe(expected);
    } finally {
      slots.close();
    }
  });

  it('a worker that dies fails the seal in progress, and the next one starts a new worker', async () => {
    const out = new SharedSlots(1, 1024);
    try {
      // A 5-byte key makes the worker's cipher throw, which ends the worker.
      await expect(offThreadGcm(new Uint8Array(5), out, { lane: 2 }).seal(new Uint8Array(12), new Uint8Array(32), [new Uint8Array(10)])).rejects.toThrow();
      const key = new Uint8Array(32).fill(7);
      const [body] = await offThreadGcm(key, out, { lane: 2 }).seal(new Uint8Array(12), new Uint8Array(32), [new Uint8Array(10)]);
      const cipher = createCipheriv('aes-256-gcm', key, new Uint8Array(12), { authTagLength: 16 }).setAAD(new Uint8Array(32));
      expect(Buffer.from(body!).equals(Buffer.concat([cipher.update(new Uint8Array(10)), cipher.final(), cipher.getAuthTag()]))).toBe(true);
    } finally {
      out.close();
    }
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

  it('the native AES-GCM opens a ciphertext in pieces into pieces, and refuses a wrong tag or piece without releasing anything', async () => {
    const aead = await nodeBackend.aes256Gcm(new Uint8Array(32).fill(2));
    const nonce = new Uint8Array(12).fill(3);
    const plaintext = new Uint8Array(randomBytes(200_000));
    const sealedPieces = await aead.seal(nonce, new Uint8Array(32), [plaintext]);
    const tag = sealedPieces.at(-1)!;
    const ciphertext = new Uint8Array(Buffer.concat(sealedPieces.slice(0, -1)));
    const pieces = [ciphertext.subarray(0, 1), ciphertext.subarray(1, 70_000), ciphertext.subarray(70_000, 70_000), ciphertext.subarray(70_000)];
    const opened = (await aead.openPieces!(nonce, new Uint8Array(32), pieces, tag))!;
    // At most 64 KiB each: none of them a large fresh allocation.
    expect(Math.max(...opened.map((p) => p.length))).toBeLessThanOrEqual(65536);
    expect(Buffer.concat(opened).equals(plaintext)).toBe(true);
    const bad = Uint8Array.from(tag);
    bad[15]! ^= 0x80;
    expect(await aead.openPieces!(nonce, new Uint8Array(32), pieces, bad)).toBeUndefined();
    const altered = Uint8Array.from(ciphertext.subarray(1, 70_000));
    altered[5]! ^= 1;
    expect(await aead.openPieces!(nonce, new Uint8Array(32), [pieces[0]!, altered, pieces[3]!], tag)).toBeUndefined();
  });

  it('an envelope read in pieces that split its tags opens on the Node backend; a flipped tag bit is refused as tampered', async () => {
    const { spki, privateKey } = keys[SUITE_RSA_AES]!;
    const plaintext = new Uint8Array(randomBytes(5000));
    const envelope = await sealedBytes(await sealEnvelope({ plaintext: [plaintext], recipients: [{ role: 'bidder', publicKey: spki }], chunkSize: 1024, backend: nodeBackend }));
    // 7-byte pieces: every 16-byte tag straddles two or three pieces.
    const opened = await openEnvelopeToBytes({ envelope: inPieces(envelope, [7]), key: { privateKey }, backend: nodeBackend });
    expect(Buffer.from(opened.plaintext).equals(plaintext)).toBe(true);
    // The first record's tag ends where its 1024 + 16 bytes of body end, after the header and the record header.
    const headerLength = new DataView(envelope.buffer, envelope.byteOffset).getUint32(PREAMBLE_LENGTH - 4);
    const tampered = Uint8Array.from(envelope);
    tampered[headerLength + RECORD_HEADER_LENGTH + 1024 + 15]! ^= 1;
    await expect(openEnvelopeToBytes({ envelope: inPieces(tampered, [7]), key: { privateKey }, backend: nodeBackend })).rejects.toMatchObject({ code: 'tampered' });
  });
});
