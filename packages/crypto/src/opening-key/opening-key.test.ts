import { describe, expect, it } from 'vitest';
import { sha256Hex } from '../digest';
import { SUITE_RSA_AES, openEnvelopeToBytes, sealEnvelope } from '../envelope';
import { createOpeningKey, openSealedShare, rebuildOpeningKey, OpeningKeyError, type CreatedOpeningKey } from '.';

const subtle = globalThis.crypto.subtle;
const RSA_OAEP = { name: 'RSA-OAEP', hash: 'SHA-256' } as const;

async function custodianKey() {
  const pair = await subtle.generateKey({ ...RSA_OAEP, modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]) }, true, ['encrypt', 'decrypt']);
  return { privateKey: pair.privateKey, spki: new Uint8Array(await subtle.exportKey('spki', pair.publicKey)) };
}

async function collect(bytes: AsyncIterable<Uint8Array>): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  for await (const p of bytes) parts.push(p);
  return Uint8Array.from(parts.flatMap((p) => [...p]));
}

function combinations<T>(items: readonly T[], k: number): T[][] {
  if (k === 0) return [[]];
  return items.flatMap((item, i) => combinations(items.slice(i + 1), k - 1).map((rest) => [item, ...rest]));
}

async function codeOf(run: Promise<unknown>): Promise<string> {
  try {
    await run;
    return 'ok';
  } catch (error) {
    return error instanceof OpeningKeyError ? error.code : `other: ${(error as Error).message}`;
  }
}

describe('opening key ceremony (3 of 5)', async () => {
  const custodians = await Promise.all(['c1', 'c2', 'c3', 'c4', 'c5'].map(async (id) => ({ id, ...(await custodianKey()) })));
  const created: CreatedOpeningKey = await createOpeningKey({
    suite: SUITE_RSA_AES,
    threshold: 3,
    custodians: custodians.map((c) => ({ id: c.id, publicKeySpki: c.spki })),
    modulusLength: 2048,
  });
  const plainShares = await Promise.all(
    created.shares.map(async (s, i) => (await openSealedShare({ sealedShare: [s.sealedShare], key: { privateKey: custodians[i]!.privateKey }, expectKeyId: created.keyId })).share),
  );
  const rebuild = (shares: readonly Uint8Array[]) => rebuildOpeningKey({ suite: SUITE_RSA_AES, publicKeySpki: created.publicKeySpki, shares });

  it('publishes a public half whose key id is the SHA-256 of its SPKI, and one sealed share per custodian', () => {
    expect(created.keyId).toBe(sha256Hex(created.publicKeySpki));
    expect(created.shares.map((s) => s.custodianId)).toEqual(['c1', 'c2', 'c3', 'c4', 'c5']);
    expect(created.shares.every((s) => s.sealedShareSha256 === sha256Hex(s.sealedShare))).toBe(true);
  });

  it('every set of k = 3 of the 5 shares rebuilds a key that opens a bid sealed to the opening key', async () => {
    const bid = new TextEncoder().encode('投标报价：12,345,678.00 元');
    const sealed = await sealEnvelope({ plaintext: [bid], recipients: [{ role: 'opening', publicKey: created.publicKeySpki }] });
    const envelope = await collect(sealed.bytes);
    for (const set of combinations(plainShares, 3)) {
      const { privateKey, keyId } = await rebuild(set);
      expect(keyId).toBe(created.keyId);
      expect(privateKey.extractable).toBe(false);
      const { plaintext } = await openEnvelopeToBytes({ envelope: [envelope], key: { privateKey } });
      expect(new TextDecoder().decode(plaintext)).toBe('投标报价：12,345,678.00 元');
    }
  });

  it('all five shares rebuild it too', async () => {
    expect(await codeOf(rebuild(plainShares))).toBe('ok');
  });

  it('k − 1 shares fail loudly instead of yielding a garbage key', async () => {
    for (const set of combinations(plainShares, 2)) expect(await codeOf(rebuild(set))).toBe('shares-do-not-match');
    expect(await codeOf(rebuildOpeningKey({ suite: SUITE_RSA_AES, publicKeySpki: created.publicKeySpki, threshold: 3, shares: plainShares.slice(0, 2) }))).toBe(
      'not-enough-shares',
    );
  });

  it('a wrong share (flipped bit, another key’s share, a duplicate) fails', async () => {
    const flipped = Uint8Array.from(plainShares[1]!);
    flipped[10]! ^= 0x01;
    expect(await codeOf(rebuild([plainShares[0]!, flipped, plainShares[2]!]))).toBe('shares-do-not-match');

    const other = await createOpeningKey({ suite: SUITE_RSA_AES, threshold: 2, custodians: custodians.slice(0, 3).map((c) => ({ id: c.id, publicKeySpki: c.spki })), modulusLength: 2048 });
    const foreign = (await openSealedShare({ sealedShare: [other.shares[1]!.sealedShare], key: { privateKey: custodians[1]!.privateKey } })).share;
    expect(await codeOf(rebuild([plainShares[0]!, foreign, plainShares[2]!]))).toBe('shares-do-not-match');
    expect(await codeOf(rebuild([plainShares[0]!, plainShares[0]!, plainShares[2]!]))).toBe('shares-do-not-match');
    // Against the other key's public half, this key's shares are refused as well.
    expect(await codeOf(rebuildOpeningKey({ suite: SUITE_RSA_AES, publicKeySpki: other.publicKeySpki, shares: plainShares.slice(0, 3) }))).toBe('shares-do-not-match');
    // And a share of another key is refused by its header before any arithmetic.
    expect(await codeOf(openSealedShare({ sealedShare: [other.shares[1]!.sealedShare], key: { privateKey: custodians[1]!.privateKey }, expectKeyId: created.keyId }))).toBe('wrong-share');
  });

  it('a share opens only with its own custodian’s key', async () => {
    expect(await codeOf(openSealedShare({ sealedShare: [created.shares[0]!.sealedShare], key: { privateKey: custodians[1]!.privateKey } }))).toBe('wrong-share');
  });

  it('nothing of the private half appears in what the ceremony returns', async () => {
    const returned = [created.publicKeySpki, ...created.shares.map((s) => s.sealedShare)].map((b) => Buffer.from(b).toString('hex')).join('|');
    for (const share of plainShares) expect(returned).not.toContain(Buffer.from(share.subarray(0, 48)).toString('hex'));
  });

  it('refuses a threshold outside 2 ≤ k ≤ n, a custodian twice, and suites it has no key for', async () => {
    const list = custodians.slice(0, 3).map((c) => ({ id: c.id, publicKeySpki: c.spki }));
    expect(await codeOf(createOpeningKey({ suite: SUITE_RSA_AES, threshold: 4, custodians: list }))).toBe('invalid-input');
    expect(await codeOf(createOpeningKey({ suite: SUITE_RSA_AES, threshold: 1, custodians: list }))).toBe('invalid-input');
    expect(await codeOf(createOpeningKey({ suite: SUITE_RSA_AES, threshold: 2, custodians: [list[0]!, list[0]!, list[1]!] }))).toBe('invalid-input');
    expect(await codeOf(createOpeningKey({ suite: 'no-such-suite', threshold: 2, custodians: list }))).toBe('unsupported-suite');
  });
});
