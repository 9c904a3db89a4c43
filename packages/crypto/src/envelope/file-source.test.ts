/**
 * The buffer-reuse rule of ByteSource (byte-stream.ts) that readFileForSealing relies on: with
 * pieces of at least one chunk, sealEnvelope holds nothing older than the previous piece once it
 * asks for the next. Checked with a source that poisons piece k−1 as soon as piece k+1 is asked
 * for, on both backends and both suites; and the file reader itself.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { portableBackend } from './backend';
import { SUITE_RSA_AES, SUITE_SM2_SM4, type EnvelopeSuiteId } from './format';
import { createNodeBackend } from './node/backend';
import { readFileForSealing } from './node/file-source';
import { openEnvelopeToBytes } from './open';
import { sealEnvelope } from './seal';
import { generateSm2KeyPair } from './sm2-keys';
import type { EnvelopePrivateKey } from './suite';
import { collect, generateRsaKeyPair, sealedBytes } from './test-support';

let dir: string;
const keys: Partial<Record<EnvelopeSuiteId, { spki: Uint8Array; privateKey: EnvelopePrivateKey }>> = {};
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ggzy-file-source-'));
  const rsa = await generateRsaKeyPair();
  keys[SUITE_RSA_AES] = { spki: new Uint8Array(await crypto.subtle.exportKey('spki', rsa.publicKey)), privateKey: rsa.privateKey };
  const sm2 = generateSm2KeyPair();
  keys[SUITE_SM2_SM4] = { spki: sm2.publicKeySpki, privateKey: sm2.privateKey };
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Yields `sizes`-long pieces of `data` from three rotating buffers, poisoning piece k−1 when piece k+1 is asked for. */
async function* poisoningSource(data: Uint8Array, sizes: number[]): AsyncGenerator<Uint8Array> {
  const handed: Uint8Array[] = [];
  let o = 0;
  for (let k = 0; o < data.length; k++) {
    handed[k - 2]?.fill(0xaa); // the seal may no longer hold piece k-2 now that piece k is requested
    const n = Math.min(sizes[k % sizes.length]!, data.length - o);
    const piece = new Uint8Array(n);
    piece.set(data.subarray(o, o + n));
    o += n;
    handed[k] = piece;
    yield piece;
  }
}

describe('reusing a source’s buffers', () => {
  it.each([SUITE_RSA_AES, SUITE_SM2_SM4] as const)('%s: a seal never reads a piece older than the previous one after asking for the next', async (suite) => {
    const { spki, privateKey } = keys[suite]!;
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 16, max: 64 }),
        fc.integer({ min: 0, max: 500 }),
        fc.array(fc.integer({ min: 0, max: 70 }), { minLength: 1, maxLength: 4 }),
        fc.constantFrom(0, 2),
        async (chunkSize, length, extra, workers) => {
          const data = new Uint8Array(randomBytes(length));
          const sizes = extra.map((e) => chunkSize + e); // every piece at least one chunk
          for (const backend of [portableBackend, createNodeBackend({ offThreadDigest: workers as 0 | 2 })]) {
            const sealed = await sealEnvelope({ plaintext: poisoningSource(data, sizes), recipients: [{ role: 'bidder', publicKey: spki }], suite, chunkSize, backend });
            const envelope = await sealedBytes(sealed);
            expect((await openEnvelopeToBytes({ envelope: [envelope], key: { privateKey } })).plaintext).toEqual(data);
          }
        },
      ),
      { numRuns: 40 },
    );
  });

  it('the poisoning source would catch a seal that kept older pieces (the check can fail)', async () => {
    // Pieces smaller than a chunk break the rule's condition: the seal then still needs piece k−2.
    const data = new Uint8Array(randomBytes(300));
    const sealed = await sealEnvelope({ plaintext: poisoningSource(data, [10]), recipients: [{ role: 'bidder', publicKey: keys[SUITE_RSA_AES]!.spki }], chunkSize: 64 });
    const envelope = await sealedBytes(sealed);
    const opened = await openEnvelopeToBytes({ envelope: [envelope], key: { privateKey: keys[SUITE_RSA_AES]!.privateKey } });
    expect(opened.plaintext).not.toEqual(data);
  });

  it('readFileForSealing reads every byte of the file, whatever its size against the chunk', async () => {
    for (const size of [0, 1, 63, 64, 65, 64 * 3, 64 * 3 + 5, 10_000]) {
      const path = join(dir, `f-${size}`);
      const data = new Uint8Array(randomBytes(size));
      writeFileSync(path, data);
      const pieces: number[] = [];
      const read = await collect(
        (async function* () {
          for await (const piece of readFileForSealing(path, 64)) {
            pieces.push(piece.length);
            yield piece;
          }
        })(),
      );
      expect(read).toEqual(data);
      expect(pieces.slice(0, -1).every((n) => n === 64)).toBe(true);
      const sealed = await sealEnvelope({ plaintext: readFileForSealing(path, 64), recipients: [{ role: 'bidder', publicKey: keys[SUITE_RSA_AES]!.spki }], chunkSize: 64, backend: createNodeBackend() });
      const envelope = await sealedBytes(sealed);
      expect((await openEnvelopeToBytes({ envelope: [envelope], key: { privateKey: keys[SUITE_RSA_AES]!.privateKey } })).plaintext).toEqual(data);
    }
  });
});
