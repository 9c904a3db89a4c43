import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { EnvelopeError } from './errors';
import { SUITE_RSA_AES } from './format';
import { openEnvelope, openEnvelopeToBytes, readEnvelopeHeader, unwrapEnvelopeContentKey } from './open';
import { keyIdOfSpki } from './rsa-aes-suite';
import { sealEnvelope, sealWithFixedRandomnessForTestVectors, type SealProgress } from './seal';
import { collect, generateRsaKeyPair, inPieces, indexOf, sealedBytes, splitEnvelope, tryOpen } from './test-support';

const KiB = 1024;
let bidder: CryptoKeyPair;
let opening: CryptoKeyPair;
let stranger: CryptoKeyPair;

beforeAll(async () => {
  [bidder, opening, stranger] = await Promise.all([generateRsaKeyPair(), generateRsaKeyPair(), generateRsaKeyPair()]);
});

function pattern(length: number, seed = 7): Uint8Array {
  return new Uint8Array(length).map((_, i) => (i * 31 + seed + (i >> 8)) & 0xff);
}

async function sealBytes(plaintext: Uint8Array, chunkSize = KiB, pieces?: number[]) {
  const sealed = await sealEnvelope({
    plaintext: inPieces(plaintext, pieces),
    recipients: [
      { role: 'bidder', publicKey: bidder.publicKey },
      { role: 'opening', publicKey: new Uint8Array(await crypto.subtle.exportKey('spki', opening.publicKey)) },
    ],
    metadata: { section: 'GGZY-2026-0042-01', bidder: '91310000MA1FL0000X' },
    chunkSize,
  });
  const envelope = await sealedBytes(sealed);
  return { sealed, envelope, summary: await sealed.summary };
}

describe('sealing and opening a bid (DESIGN.md §4)', () => {
  const sizes: [string, number][] = [
    ['empty', 0],
    ['1 byte', 1],
    ['exactly one chunk of plaintext', KiB],
    ['one chunk of encrypted stream (salt + plaintext = chunk)', KiB - 32],
    ['one chunk + 1', KiB + 1],
    ['many chunks', 5 * KiB + 123],
    ['many exact chunks', 4 * KiB - 32],
  ];
  it.each(sizes)('round-trips %s with the bidder key, the opening key and the bare content key', async (_, size) => {
    const plaintext = pattern(size);
    const { sealed, envelope, summary } = await sealBytes(plaintext, KiB, [100, 1, 4096, 7]);
    expect(summary.plaintextBytes).toBe(size);
    expect(summary.envelopeBytes).toBe(envelope.length);
    expect(summary.chunks).toBe(Math.max(1, Math.ceil((size + 32) / KiB)));
    expect(summary.ciphertextSha256).toBe(createHash('sha256').update(envelope).digest('hex'));
    expect(Buffer.from(splitEnvelope(envelope).trailer).toString('hex')).toBe(summary.commitment);
    expect(splitEnvelope(envelope).records).toHaveLength(summary.chunks);

    const viaBidder = await openEnvelopeToBytes({ envelope: inPieces(envelope, [3, 1000]), key: { privateKey: bidder.privateKey } });
    expect(viaBidder.plaintext).toEqual(plaintext);
    expect(viaBidder.header.metadata).toEqual({ section: 'GGZY-2026-0042-01', bidder: '91310000MA1FL0000X' });
    const viaOpening = await openEnvelopeToBytes({ envelope: [envelope], key: { privateKey: opening.privateKey } });
    expect(viaOpening.plaintext).toEqual(plaintext);
    const contentKey = await unwrapEnvelopeContentKey(sealed.header, bidder.privateKey);
    const viaContentKey = await openEnvelopeToBytes({ envelope: [envelope], key: { contentKey } });
    expect(viaContentKey.plaintext).toEqual(plaintext);
  });

  it('round-trips any plaintext, any chunk size (also smaller than the salt) and any input split', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.uint8Array({ minLength: 0, maxLength: 400 }),
        fc.integer({ min: 16, max: 80 }),
        fc.array(fc.integer({ min: 1, max: 90 }), { minLength: 1, maxLength: 5 }),
        async (plaintext, chunkSize, pieces) => {
          const sealed = await sealEnvelope({
            plaintext: inPieces(plaintext, pieces),
            recipients: [{ role: 'bidder', publicKey: bidder.publicKey }],
            chunkSize,
          });
          const envelope = await sealedBytes(sealed);
          const summary = await sealed.summary;
          expect(summary.chunks).toBe(Math.ceil((plaintext.length + 32) / chunkSize));
          const contentKey = await unwrapEnvelopeContentKey(sealed.header, bidder.privateKey);
          const opened = await openEnvelopeToBytes({ envelope: inPieces(envelope, pieces), key: { contentKey } });
          expect(opened.plaintext).toEqual(plaintext);
        },
      ),
      { numRuns: 60 },
    );
  });

  it('has the sizes docs/envelope.md §7 gives', async () => {
    for (const size of [0, 1, 5000, 4 * KiB - 32]) {
      const sealed = await sealEnvelope({
        plaintext: [pattern(size)],
        recipients: [{ role: 'bidder', publicKey: bidder.publicKey }],
        metadata: { bidder: '91310000MA1FL0000X', section: 'GGZY-2026-0042-01' },
        chunkSize: KiB,
      });
      const envelope = await sealedBytes(sealed);
      expect(sealed.headerBytes.length).toBe(437);
      expect(envelope.length).toBe(437 + (size + 32) + 21 * Math.ceil((size + 32) / KiB) + 32);
    }
  });

  it('seals and opens a 9 MiB bid with the default 4 MiB chunks', async () => {
    const plaintext = new Uint8Array(9 * 1024 * KiB);
    for (let o = 0; o < plaintext.length; o += 65536) crypto.getRandomValues(plaintext.subarray(o, o + 65536));
    const sealed = await sealEnvelope({ plaintext: inPieces(plaintext, [1_000_000]), recipients: [{ role: 'bidder', publicKey: bidder.publicKey }] });
    expect(sealed.header.chunkSize).toBe(4 * 1024 * KiB);
    const envelope = await sealedBytes(sealed);
    expect((await sealed.summary).chunks).toBe(3);
    const opened = await collect(openEnvelope({ envelope: inPieces(envelope, [777_777]), key: { privateKey: bidder.privateKey } }));
    expect(createHash('sha256').update(opened).digest('hex')).toBe(createHash('sha256').update(plaintext).digest('hex'));
  });

  it('a seal abandoned half-way rejects its summary instead of reporting a digest', async () => {
    const sealed = await sealEnvelope({ plaintext: [pattern(5000)], recipients: [{ role: 'bidder', publicKey: bidder.publicKey }], chunkSize: KiB });
    for await (const _ of sealed.bytes) break;
    await expect(sealed.summary).rejects.toBeInstanceOf(EnvelopeError);
  });

  it('recomputes the salted commitment from the decrypted salt and plaintext', async () => {
    const plaintext = new TextEncoder().encode('开标一览表：投标报价 1,234,567.00 元；工期 180 日历天');
    const salt = pattern(32, 99);
    const sealed = await sealWithFixedRandomnessForTestVectors(
      { plaintext: [plaintext], recipients: [{ role: 'bidder', publicKey: bidder.publicKey }], chunkSize: 16 },
      { contentKey: pattern(32, 1), noncePrefix: pattern(7, 2), salt },
    );
    const envelope = await sealedBytes(sealed);
    const expected = createHash('sha256').update(salt).update(plaintext).digest('hex');
    expect((await sealed.summary).commitment).toBe(expected);
    expect(Buffer.from(splitEnvelope(envelope).trailer).toString('hex')).toBe(expected);
    expect((await openEnvelopeToBytes({ envelope: [envelope], key: { contentKey: pattern(32, 1) } })).plaintext).toEqual(plaintext);
    expect(indexOf(envelope, salt)).toBe(-1);
  });

  it('leaves neither the plaintext nor its unsalted SHA-256 anywhere in the envelope', async () => {
    const plaintext = new TextEncoder().encode('投标报价：人民币壹佰贰拾叁万肆仟伍佰陆拾柒元整 (¥1,234,567.00)');
    const { envelope, sealed } = await sealBytes(plaintext, 16);
    const digest = createHash('sha256').update(plaintext).digest();
    expect(indexOf(envelope, plaintext)).toBe(-1);
    expect(indexOf(envelope, digest)).toBe(-1);
    expect(indexOf(envelope, new TextEncoder().encode(digest.toString('hex')))).toBe(-1);
    expect(indexOf(sealed.headerBytes, plaintext.subarray(0, 12))).toBe(-1);
    // No 8-byte window of the bid survives either.
    for (let i = 0; i + 8 <= plaintext.length; i += 4) expect(indexOf(envelope, plaintext.subarray(i, i + 8))).toBe(-1);
  });

  it('never seals the same plaintext to the same bytes twice', async () => {
    const plaintext = pattern(3000);
    const a = await sealBytes(plaintext);
    const b = await sealBytes(plaintext);
    expect(a.envelope).not.toEqual(b.envelope);
    expect(a.summary.commitment).not.toBe(b.summary.commitment);
    expect(a.sealed.header.noncePrefix).not.toEqual(b.sealed.header.noncePrefix);
  });

  it('reports progress and keeps a bounded buffer while sealing a stream', async () => {
    const progress: SealProgress[] = [];
    let largestOutput = 0;
    async function* source() {
      for (let i = 0; i < 64; i++) yield pattern(1000, i); // 64 000 bytes, never held whole
    }
    const sealed = await sealEnvelope({
      plaintext: source(),
      recipients: [{ role: 'bidder', publicKey: bidder.publicKey }],
      chunkSize: 4 * KiB,
      onProgress: (p) => progress.push(p),
    });
    for await (const piece of sealed.bytes) largestOutput = Math.max(largestOutput, piece.length);
    const summary = await sealed.summary;
    expect(largestOutput).toBeLessThanOrEqual(Math.max(sealed.headerBytes.length, 4 * KiB + 16));
    expect(progress.at(-1)).toEqual({ plaintextBytes: 64_000, envelopeBytes: summary.envelopeBytes });
    const seen = progress.map((p) => p.plaintextBytes);
    expect(seen).toEqual([...seen].sort((x, y) => x - y));
    expect(progress.length).toBe(summary.chunks);
  });

  it('accepts a ReadableStream and opens with a non-extractable key by trying each recipient', async () => {
    const plaintext = pattern(2500);
    const nonExtractable = await generateRsaKeyPair(false);
    const sealed = await sealEnvelope({
      plaintext: new ReadableStream({
        start(controller) {
          controller.enqueue(plaintext.slice(0, 1000));
          controller.enqueue(plaintext.slice(1000));
          controller.close();
        },
      }),
      recipients: [
        { role: 'bidder', publicKey: bidder.publicKey },
        { role: 'opening', publicKey: nonExtractable.publicKey },
      ],
      chunkSize: KiB,
    });
    const envelope = await sealedBytes(sealed);
    const opened = await collect(openEnvelope({ envelope: [envelope], key: { privateKey: nonExtractable.privateKey } }));
    expect(opened).toEqual(plaintext);
    expect((await tryOpen(envelope, { privateKey: stranger.privateKey })).code).toBe('wrong-key');
  });

  it('reads and validates the header without a key, and refuses what is not an envelope', async () => {
    const { envelope, sealed, summary } = await sealBytes(pattern(10));
    const info = await readEnvelopeHeader(inPieces(envelope, [5]));
    expect(info.header.suite).toBe(SUITE_RSA_AES);
    expect(info.header.chunkSize).toBe(KiB);
    expect(info.headerSha256).toBe(summary.headerSha256);
    expect(info.header.recipients.map((r) => r.role)).toEqual(['bidder', 'opening']);
    const bidderSpki = new Uint8Array(await crypto.subtle.exportKey('spki', bidder.publicKey));
    expect(info.header.recipients[0]?.keyId).toEqual(keyIdOfSpki(bidderSpki));
    expect(info.header).toEqual(sealed.header);

    const pdf = new TextEncoder().encode('%PDF-1.7\n% an unencrypted bid');
    await expect(readEnvelopeHeader([pdf])).rejects.toMatchObject({ code: 'malformed-header' });
    await expect(readEnvelopeHeader([])).rejects.toMatchObject({ code: 'truncated' });
    await expect(readEnvelopeHeader([envelope.slice(0, 40)])).rejects.toMatchObject({ code: 'truncated' });
  });

  it('refuses weak or wrong recipient keys and bad options when sealing', async () => {
    const weak = await crypto.subtle.generateKey(
      { name: 'RSA-OAEP', modulusLength: 1024, publicExponent: new Uint8Array([1, 0, 1]), hash: 'SHA-256' },
      true,
      ['encrypt', 'decrypt'],
    );
    const seal = (o: Partial<Parameters<typeof sealEnvelope>[0]>) =>
      sealEnvelope({ plaintext: [], recipients: [{ role: 'bidder', publicKey: bidder.publicKey }], ...o });
    await expect(seal({ recipients: [{ role: 'bidder', publicKey: weak.publicKey }] })).rejects.toMatchObject({ code: 'invalid-input' });
    await expect(seal({ recipients: [{ role: 'bidder', publicKey: bidder.privateKey }] })).rejects.toMatchObject({ code: 'invalid-input' });
    await expect(seal({ recipients: [] })).rejects.toMatchObject({ code: 'invalid-input' });
    await expect(seal({ chunkSize: 8 })).rejects.toMatchObject({ code: 'invalid-input' });
    await expect(seal({ metadata: { 'Bad Key': 'x' } })).rejects.toBeInstanceOf(EnvelopeError);
    await expect(
      seal({ recipients: [{ role: 'bidder', publicKey: bidder.publicKey }, { role: 'opening', publicKey: bidder.publicKey }] }),
    ).rejects.toMatchObject({ code: 'invalid-input' });
  });

  it('gives messages in English and Chinese', async () => {
    const { envelope } = await sealBytes(pattern(10));
    const error = await collect(openEnvelope({ envelope: [envelope], key: { privateKey: stranger.privateKey } })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(EnvelopeError);
    expect((error as EnvelopeError).message).toMatch(/cannot open.*无法解密/);
  });
});
