/**
 * Property tests: whatever is done to an envelope in storage or in transit, opening fails loudly
 * with the right code and never releases a byte that is not the bidder's (DESIGN.md §4, issue 4).
 * Every property runs for both suites.
 */
import { createCipheriv, createDecipheriv, createHash, createHmac, randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import type { EnvelopeErrorCode } from './errors';
import { SUITE_RSA_AES, SUITE_SM2_SM4, chunkNonce, decodeHeader, type EnvelopeSuiteId } from './format';
import type { OpeningKey } from './open';
import { sealWithFixedRandomnessForTestVectors } from './seal';
import { SM_LABELS } from './sm2-sm4-suite';
import type { EnvelopePrivateKey } from './suite';
import { concat, generateRsaKeyPair, isPrefix, sealedBytes, splitEnvelope, tryOpen } from './test-support';
import { generateSm2KeyPair } from './sm2-keys';

interface Party {
  publicKey: CryptoKey | Uint8Array;
  privateKey: EnvelopePrivateKey;
}
let bidder: Party;
let opening: Party;
let stranger: Party;

/**
 * A dishonest writer's tool: re-encrypts the final chunk (which the test decrypts first) under the
 * same key and nonce with a different commitment in its associated data, using Node's own crypto.
 */
interface SuiteUnderTest {
  id: EnvelopeSuiteId;
  parties: () => Promise<Party[]>;
  headerDigest: (header: Uint8Array) => Buffer;
  decrypt: (contentKey: Uint8Array, nonce: Uint8Array, ad: Uint8Array, body: Uint8Array) => Buffer;
  encrypt: (contentKey: Uint8Array, nonce: Uint8Array, ad: Uint8Array, plaintext: Uint8Array) => Uint8Array;
}

const hmacSm3 = (key: Uint8Array, ...parts: Uint8Array[]) => parts.reduce((h, p) => h.update(p), createHmac('sm3', key)).digest();
const smKeys = (contentKey: Uint8Array) => ({
  enc: hmacSm3(contentKey, SM_LABELS.encryptionKey).subarray(0, 16),
  mac: hmacSm3(contentKey, SM_LABELS.macKey),
});
const smCounter = (nonce: Uint8Array) => Buffer.concat([nonce, Buffer.alloc(4)]);

const SUITES: SuiteUnderTest[] = [
  {
    id: SUITE_RSA_AES,
    parties: () => Promise.all([generateRsaKeyPair(), generateRsaKeyPair(), generateRsaKeyPair()]),
    headerDigest: (header) => createHash('sha256').update(header).digest(),
    decrypt(contentKey, nonce, ad, body) {
      const decipher = createDecipheriv('aes-256-gcm', contentKey, nonce);
      decipher.setAAD(ad);
      decipher.setAuthTag(body.subarray(body.length - 16));
      return Buffer.concat([decipher.update(body.subarray(0, body.length - 16)), decipher.final()]);
    },
    encrypt(contentKey, nonce, ad, plaintext) {
      const cipher = createCipheriv('aes-256-gcm', contentKey, nonce);
      cipher.setAAD(ad);
      return concat([cipher.update(plaintext), cipher.final(), cipher.getAuthTag()]);
    },
  },
  {
    id: SUITE_SM2_SM4,
    parties: async () =>
      [generateSm2KeyPair(), generateSm2KeyPair(), generateSm2KeyPair()].map((k) => ({ publicKey: k.publicKeySpki, privateKey: k.privateKey })),
    headerDigest: (header) => createHash('sm3').update(header).digest(),
    decrypt(contentKey, nonce, ad, body) {
      const { enc, mac } = smKeys(contentKey);
      const ciphertext = body.subarray(0, body.length - 16);
      expect(hmacSm3(mac, nonce, ad, ciphertext).subarray(0, 16)).toEqual(Buffer.from(body.subarray(body.length - 16)));
      return createDecipheriv('sm4-ctr', enc, smCounter(nonce)).update(ciphertext);
    },
    encrypt(contentKey, nonce, ad, plaintext) {
      const { enc, mac } = smKeys(contentKey);
      const ciphertext = createCipheriv('sm4-ctr', enc, smCounter(nonce)).update(plaintext);
      return concat([ciphertext, hmacSm3(mac, nonce, ad, ciphertext).subarray(0, 16)]);
    },
  },
];

describe.each(SUITES)('suite $id', (suite) => {
beforeAll(async () => {
  [bidder, opening, stranger] = (await suite.parties()) as [Party, Party, Party];
});

interface Fixture {
  plaintext: Uint8Array;
  envelope: Uint8Array;
  contentKey: Uint8Array;
  noncePrefix: Uint8Array;
}

/** A real sealed envelope whose random content key the test happens to know. */
async function seal(plaintext: Uint8Array, chunkSize: number): Promise<Fixture> {
  const contentKey = new Uint8Array(randomBytes(32));
  const noncePrefix = new Uint8Array(randomBytes(7));
  const sealed = await sealWithFixedRandomnessForTestVectors(
    {
      plaintext: [plaintext],
      recipients: [
        { role: 'bidder', publicKey: bidder.publicKey },
        { role: 'opening', publicKey: opening.publicKey },
      ],
      metadata: { bidder: '91310000MA1FL0000X', section: 'GGZY-2026-0042-01' },
      chunkSize,
      suite: suite.id,
    },
    { contentKey, noncePrefix, salt: new Uint8Array(randomBytes(32)) },
  );
  return { plaintext, envelope: await sealedBytes(sealed), contentKey, noncePrefix };
}

const fixtures = fc
  .record({ plaintext: fc.uint8Array({ minLength: 0, maxLength: 300 }), chunkSize: fc.constantFrom(16, 32, 64) })
  .filter(({ plaintext, chunkSize }) => plaintext.length + 32 > chunkSize); // at least two chunks to play with
const RUNS = { numRuns: 100 };

function flip(bytes: Uint8Array, bit: number): Uint8Array {
  const out = bytes.slice();
  out[bit >> 3]! ^= 1 << (bit & 7);
  return out;
}

async function expectFailure(envelope: Uint8Array, key: OpeningKey, plaintext: Uint8Array, allowed: EnvelopeErrorCode[]) {
  const outcome = await tryOpen(envelope, key);
  expect(allowed).toContain(outcome.code);
  // Whatever was released before the failure is the bidder's own plaintext, never altered bytes.
  expect(isPrefix(outcome.released, plaintext)).toBe(true);
  return outcome;
}

/** The header's fields, located by walking the documented layout of an untouched header. */
function headerFields(header: Uint8Array): { name: string; start: number; end: number }[] {
  const fields: { name: string; start: number; end: number }[] = [];
  const view = new DataView(header.buffer, header.byteOffset, header.byteLength);
  let o = 0;
  const field = (name: string, n: number) => {
    fields.push({ name, start: o, end: o + n });
    o += n;
  };
  field('magic', 8);
  field('header-length', 4);
  const suiteLength = header[o]!;
  field('suite-length', 1);
  field('suite', suiteLength);
  field('chunk-size', 4);
  field('nonce-prefix', 7);
  field('key-commitment', 32);
  const recipients = header[o]!;
  field('recipient-count', 1);
  for (let i = 0; i < recipients; i++) {
    field('role', 1);
    field(`key-id-${i}`, 32);
    const w = view.getUint16(o);
    field('wrapped-length', 2);
    field(`wrapped-key-${i}`, w);
  }
  const entries = header[o]!;
  field('metadata-count', 1);
  for (let i = 0; i < entries; i++) {
    const k = header[o]!;
    field('metadata-key-length', 1);
    field('metadata-key', k);
    const v = view.getUint16(o);
    field('metadata-value-length', 2);
    field('metadata-value', v);
  }
  expect(o).toBe(header.length);
  return fields;
}

/** What a flipped bit in each header field must produce; `mine` is the recipient index of the opener's private key. */
function expectedForHeaderField(name: string, opener: 'content-key' | { mine: number }): EnvelopeErrorCode[] {
  if (name === 'magic' || name === 'role') return ['malformed-header'];
  if (name === 'header-length') return ['malformed-header', 'truncated'];
  if (name === 'suite-length' || name === 'suite') return ['malformed-header', 'unsupported-suite'];
  if (name === 'nonce-prefix') return ['tampered'];
  if (name === 'key-commitment') return opener === 'content-key' ? ['wrong-key'] : ['tampered'];
  if (name.startsWith('key-id-'))
    return opener !== 'content-key' && name === `key-id-${opener.mine}` ? ['wrong-key'] : ['tampered'];
  if (name.startsWith('wrapped-key-')) return ['tampered'];
  // Lengths and counts shift everything after them: the parse fails, or the header digest does.
  return ['malformed-header', 'tampered'];
}

describe('a damaged or manipulated envelope fails loudly', () => {
  it('every single-bit flip in the header, opened with the content key', async () => {
    const f = await seal(new TextEncoder().encode('投标报价 1,234,567.00 元'), 16);
    const { header } = splitEnvelope(f.envelope);
    const seen = new Set<EnvelopeErrorCode | 'ok'>();
    for (const field of headerFields(header)) {
      const allowed = expectedForHeaderField(field.name, 'content-key');
      for (let bit = field.start * 8; bit < field.end * 8; bit++) {
        const outcome = await expectFailure(flip(f.envelope, bit), { contentKey: f.contentKey }, f.plaintext, allowed);
        expect(outcome.released).toHaveLength(0); // the header is bound to the first chunk already
        seen.add(outcome.code);
      }
    }
    expect([...seen].sort()).toEqual(['malformed-header', 'tampered', 'truncated', 'unsupported-suite', 'wrong-key']);
  });

  it('any flipped header bit, opened with the bidder’s or the opening private key', async () => {
    const f = await seal(new Uint8Array(100).fill(7), 32);
    const { header } = splitEnvelope(f.envelope);
    const fields = headerFields(header);
    await fc.assert(
      fc.asyncProperty(fc.nat({ max: header.length * 8 - 1 }), fc.constantFrom(0, 1), async (bit, mine) => {
        const field = fields.find((x) => x.start <= bit >> 3 && bit >> 3 < x.end)!;
        const privateKey = mine === 0 ? bidder.privateKey : opening.privateKey;
        await expectFailure(flip(f.envelope, bit), { privateKey }, f.plaintext, expectedForHeaderField(field.name, { mine }));
      }),
      { numRuns: 60 },
    );
  });

  it('any flipped bit in the body or the trailer', async () => {
    await fc.assert(
      fc.asyncProperty(fixtures, fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }), async ({ plaintext, chunkSize }, where) => {
        const f = await seal(plaintext, chunkSize);
        const { header, records } = splitEnvelope(f.envelope);
        const bodyBits = (f.envelope.length - header.length) * 8;
        const bit = header.length * 8 + Math.floor(where * bodyBits);
        const finalStart = f.envelope.length - 32 - records.at(-1)!.length;
        const inFinalLength = bit >> 3 >= finalStart + 1 && bit >> 3 < finalStart + 5;
        // A longer final length can run past the end of the input: indistinguishable from truncation.
        await expectFailure(flip(f.envelope, bit), { contentKey: f.contentKey }, plaintext, inFinalLength ? ['tampered', 'truncated'] : ['tampered']);
      }),
      RUNS,
    );
  });

  it('a dropped chunk', async () => {
    await fc.assert(
      fc.asyncProperty(fixtures, fc.nat(), async ({ plaintext, chunkSize }, pick) => {
        const f = await seal(plaintext, chunkSize);
        const { header, records, trailer } = splitEnvelope(f.envelope);
        const drop = pick % records.length;
        const damaged = concat([header, ...records.filter((_, i) => i !== drop), trailer]);
        // Without the final record, the trailer is read as a record header: refused as tampered,
        // or as truncated when its bytes happen to announce a longer record.
        const allowed: EnvelopeErrorCode[] = drop === records.length - 1 ? ['tampered', 'truncated'] : ['tampered'];
        await expectFailure(damaged, { contentKey: f.contentKey }, plaintext, allowed);
      }),
      RUNS,
    );
  });

  it('a duplicated chunk', async () => {
    await fc.assert(
      fc.asyncProperty(fixtures, fc.nat(), fc.nat(), async ({ plaintext, chunkSize }, pick, at) => {
        const f = await seal(plaintext, chunkSize);
        const { header, records, trailer } = splitEnvelope(f.envelope);
        const copy = records[pick % records.length]!;
        const damaged = [...records];
        damaged.splice(at % (records.length + 1), 0, copy);
        await expectFailure(concat([header, ...damaged, trailer]), { contentKey: f.contentKey }, plaintext, ['tampered']);
      }),
      RUNS,
    );
  });

  it('reordered chunks', async () => {
    await fc.assert(
      fc.asyncProperty(fixtures, fc.nat(), fc.nat(), async ({ plaintext, chunkSize }, a, b) => {
        const f = await seal(plaintext, chunkSize);
        const { header, records, trailer } = splitEnvelope(f.envelope);
        const i = a % records.length;
        let j = b % records.length;
        if (i === j) j = (j + 1) % records.length;
        const swapped = [...records];
        [swapped[i], swapped[j]] = [records[j]!, records[i]!];
        await expectFailure(concat([header, ...swapped, trailer]), { contentKey: f.contentKey }, plaintext, ['tampered']);
      }),
      RUNS,
    );
  });

  it('an envelope cut short anywhere', async () => {
    await fc.assert(
      fc.asyncProperty(fixtures, fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }), async ({ plaintext, chunkSize }, where) => {
        const f = await seal(plaintext, chunkSize);
        const cut = Math.floor(where * f.envelope.length);
        await expectFailure(f.envelope.slice(0, cut), { contentKey: f.contentKey }, plaintext, ['truncated']);
      }),
      RUNS,
    );
  });

  it('bytes appended after the end', async () => {
    await fc.assert(
      fc.asyncProperty(fixtures, fc.uint8Array({ minLength: 1, maxLength: 100 }), async ({ plaintext, chunkSize }, extra) => {
        const f = await seal(plaintext, chunkSize);
        const outcome = await expectFailure(concat([f.envelope, extra]), { contentKey: f.contentKey }, plaintext, ['trailing-data']);
        expect(outcome.released.length).toBeLessThan(Math.max(1, plaintext.length)); // the last chunk is withheld
      }),
      RUNS,
    );
  });

  it('a wrong private key or a wrong content key', async () => {
    await fc.assert(
      fc.asyncProperty(fixtures, fc.uint8Array({ minLength: 32, maxLength: 32 }), async ({ plaintext, chunkSize }, otherKey) => {
        const f = await seal(plaintext, chunkSize);
        fc.pre(!otherKey.every((b, i) => b === f.contentKey[i]));
        const a = await expectFailure(f.envelope, { contentKey: otherKey }, plaintext, ['wrong-key']);
        const b = await expectFailure(f.envelope, { privateKey: stranger.privateKey }, plaintext, ['wrong-key']);
        expect(a.released.length + b.released.length).toBe(0);
      }),
      { numRuns: 40 },
    );
  });

  it('a writer whose commitment does not match its plaintext is caught (commitment-mismatch)', async () => {
    // Acting as a dishonest bidder with the content key: re-encrypt the final chunk, with Node's own
    // crypto, under a false commitment. Every tag verifies; only the recomputed commitment differs.
    const f = await seal(new TextEncoder().encode('报价：100 万元'), 16);
    const { header, records } = splitEnvelope(f.envelope);
    const final = records.at(-1)!;
    const parsed = decodeHeader(header);
    const headerDigest = suite.headerDigest(header);
    const nonce = chunkNonce(parsed.noncePrefix, records.length - 1, true);
    const honest = splitEnvelope(f.envelope).trailer;
    const last = suite.decrypt(f.contentKey, nonce, concat([headerDigest, honest]), final.subarray(5));
    const falseCommitment = createHash('sha256').update('a different bid').digest();
    const reencrypted = concat([final.subarray(0, 5), suite.encrypt(f.contentKey, nonce, concat([headerDigest, falseCommitment]), last)]);
    const forged = concat([header, ...records.slice(0, -1), reencrypted, falseCommitment]);
    await expectFailure(forged, { contentKey: f.contentKey }, f.plaintext, ['commitment-mismatch']);
    // The honest re-encryption (same commitment) opens: the forging tool itself is right.
    const same = concat([header, ...records.slice(0, -1), concat([final.subarray(0, 5), suite.encrypt(f.contentKey, nonce, concat([headerDigest, honest]), last)]), honest]);
    expect((await tryOpen(same, { contentKey: f.contentKey })).code).toBe('ok');
  });
});
});
