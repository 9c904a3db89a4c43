import { describe, expect, it } from 'vitest';
import { sha256Hex } from '../digest';
import {
  SUITE_RSA_AES,
  SUITE_SM2_SM4,
  generateSm2KeyPair,
  isSm2PrivateKey,
  isSm2Spki,
  openEnvelopeToBytes,
  readEnvelopeHeader,
  sealEnvelope,
  sm2PrivateKeyToPkcs8,
  sm2SpkiOfPoint,
  type EnvelopePrivateKey,
  type EnvelopeSuiteId,
} from '../envelope';
import { createOpeningKey, openSealedShare, rebuildOpeningKey, OpeningKeyError, OPENING_KEY_SUITES, type CreatedOpeningKey } from '.';

const subtle = globalThis.crypto.subtle;
const RSA_OAEP = { name: 'RSA-OAEP', hash: 'SHA-256' } as const;

/** A custodian's certificate key pair: RSA-OAEP (WebCrypto) or SM2 (the envelope's own type). */
async function custodianKey(kind: 'rsa' | 'sm2'): Promise<{ kind: 'rsa' | 'sm2'; privateKey: EnvelopePrivateKey; spki: Uint8Array }> {
  if (kind === 'sm2') {
    const pair = generateSm2KeyPair();
    return { kind, privateKey: pair.privateKey, spki: pair.publicKeySpki };
  }
  const pair = await subtle.generateKey({ ...RSA_OAEP, modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]) }, true, ['encrypt', 'decrypt']);
  return { kind, privateKey: pair.privateKey, spki: new Uint8Array(await subtle.exportKey('spki', pair.publicKey)) };
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

const toHex = (b: Uint8Array) => Buffer.from(b).toString('hex');

it('knows an opening key for every envelope suite', () => {
  expect([...OPENING_KEY_SUITES].sort()).toEqual([SUITE_RSA_AES, SUITE_SM2_SM4].sort());
});

// Custodians hold RSA or SM2 certificates, whatever the section's suite: c2 and c4 hold SM2 keys.
const CUSTODIAN_KINDS = { c1: 'rsa', c2: 'sm2', c3: 'rsa', c4: 'sm2', c5: 'rsa' } as const;

describe.each([
  { name: 'RSA-OAEP', suite: SUITE_RSA_AES as EnvelopeSuiteId },
  { name: 'SM2 (GM/T)', suite: SUITE_SM2_SM4 as EnvelopeSuiteId },
])('opening key ceremony, $name (3 of 5)', async ({ suite }) => {
  const custodians = await Promise.all(Object.entries(CUSTODIAN_KINDS).map(async ([id, kind]) => ({ id, ...(await custodianKey(kind)) })));
  const created: CreatedOpeningKey = await createOpeningKey({
    suite,
    threshold: 3,
    custodians: custodians.map((c) => ({ id: c.id, publicKeySpki: c.spki })),
    modulusLength: 2048,
  });
  const plainShares = await Promise.all(
    created.shares.map(async (s, i) => (await openSealedShare({ sealedShare: [s.sealedShare], key: { privateKey: custodians[i]!.privateKey }, expectKeyId: created.keyId })).share),
  );
  const rebuild = (shares: readonly Uint8Array[]) => rebuildOpeningKey({ suite, publicKeySpki: created.publicKeySpki, shares });

  it('publishes a public half of the suite whose key id is the SHA-256 of its SPKI, and one sealed share per custodian', () => {
    expect(created.suite).toBe(suite);
    expect(isSm2Spki(created.publicKeySpki)).toBe(suite === SUITE_SM2_SM4);
    expect(created.keyId).toBe(sha256Hex(created.publicKeySpki));
    expect(created.shares.map((s) => s.custodianId)).toEqual(['c1', 'c2', 'c3', 'c4', 'c5']);
    expect(created.shares.every((s) => s.sealedShareSha256 === sha256Hex(s.sealedShare))).toBe(true);
  });

  it('seals each share in the suite of its custodian’s key (RSA or SM2), whatever the section’s suite', async () => {
    for (const [i, share] of created.shares.entries()) {
      const { header } = await readEnvelopeHeader([share.sealedShare]);
      expect(header.suite).toBe(custodians[i]!.kind === 'sm2' ? SUITE_SM2_SM4 : SUITE_RSA_AES);
      expect(header.recipients).toHaveLength(1);
      expect(toHex(header.recipients[0]!.keyId)).toBe(sha256Hex(custodians[i]!.spki));
      expect(header.metadata).toMatchObject({ 'opening-key': created.keyId, custodian: custodians[i]!.id, threshold: '3', shares: '5' });
    }
  });

  it('every set of k = 3 of the 5 shares rebuilds a key that opens a bid sealed to the opening key in the section’s suite', async () => {
    const bid = new TextEncoder().encode('投标报价：12,345,678.00 元');
    const sealed = await sealEnvelope({ plaintext: [bid], recipients: [{ role: 'opening', publicKey: created.publicKeySpki }], suite });
    const envelope = await collect(sealed.bytes);
    for (const set of combinations(plainShares, 3)) {
      const { privateKey, keyId } = await rebuild(set);
      expect(keyId).toBe(created.keyId);
      if (suite === SUITE_SM2_SM4) {
        expect(isSm2PrivateKey(privateKey)).toBe(true);
        if (isSm2PrivateKey(privateKey)) expect(toHex(sm2SpkiOfPoint(privateKey.publicPoint))).toBe(toHex(created.publicKeySpki));
      } else {
        expect(isSm2PrivateKey(privateKey)).toBe(false);
        expect((privateKey as CryptoKey).extractable).toBe(false);
      }
      const { plaintext, header } = await openEnvelopeToBytes({ envelope: [envelope], key: { privateKey } });
      expect(header.suite).toBe(suite);
      expect(new TextDecoder().decode(plaintext)).toBe('投标报价：12,345,678.00 元');
    }
  });

  it('all five shares rebuild it too, and the exported PKCS#8 is the suite’s', async () => {
    const rebuilt = await rebuildOpeningKey({ suite, publicKeySpki: created.publicKeySpki, shares: plainShares, exportPkcs8: true });
    if (isSm2PrivateKey(rebuilt.privateKey)) expect(toHex(rebuilt.privateKeyPkcs8!)).toBe(toHex(sm2PrivateKeyToPkcs8(rebuilt.privateKey)));
    else expect(await codeOf(subtle.importKey('pkcs8', rebuilt.privateKeyPkcs8!.slice(), RSA_OAEP, false, ['decrypt']))).toBe('ok');
  });

  it('k − 1 shares fail loudly instead of yielding a garbage key', async () => {
    for (const set of combinations(plainShares, 2)) expect(await codeOf(rebuild(set))).toBe('shares-do-not-match');
    expect(await codeOf(rebuildOpeningKey({ suite, publicKeySpki: created.publicKeySpki, threshold: 3, shares: plainShares.slice(0, 2) }))).toBe('not-enough-shares');
    expect(await codeOf(rebuildOpeningKey({ suite, publicKeySpki: created.publicKeySpki, shares: plainShares.slice(0, 1) }))).toBe('not-enough-shares');
  });

  it('a wrong share (a flipped bit anywhere, another key’s share, a duplicate) fails', async () => {
    // Shamir works byte by byte: a flipped bit at i damages byte i of the PKCS#8 only (the share's
    // last byte is its x). Every position fails, also the PKCS#8 and key versions and the algorithm
    // parameters that a lenient reader ignores, and the RSA private exponent d that CRT decryption
    // never uses.
    const undetected: number[] = [];
    for (let at = 0; at < plainShares[1]!.length; at++) {
      const flipped = Uint8Array.from(plainShares[1]!);
      flipped[at]! ^= 1 << at % 8;
      if ((await codeOf(rebuild([plainShares[0]!, flipped, plainShares[2]!]))) !== 'shares-do-not-match') undetected.push(at);
    }
    expect(undetected).toEqual([]);

    const other = await createOpeningKey({ suite, threshold: 2, custodians: custodians.slice(0, 3).map((c) => ({ id: c.id, publicKeySpki: c.spki })), modulusLength: 2048 });
    const foreign = (await openSealedShare({ sealedShare: [other.shares[1]!.sealedShare], key: { privateKey: custodians[1]!.privateKey } })).share;
    expect(await codeOf(rebuild([plainShares[0]!, foreign, plainShares[2]!]))).toBe('shares-do-not-match');
    expect(await codeOf(rebuild([plainShares[0]!, plainShares[0]!, plainShares[2]!]))).toBe('shares-do-not-match');
    // Against the other key's public half, this key's shares are refused as well…
    expect(await codeOf(rebuildOpeningKey({ suite, publicKeySpki: other.publicKeySpki, shares: plainShares.slice(0, 3) }))).toBe('shares-do-not-match');
    // …and the other key's full share set rebuilds the other key only.
    const otherShares = await Promise.all(
      other.shares.map(async (s, i) => (await openSealedShare({ sealedShare: [s.sealedShare], key: { privateKey: custodians[i]!.privateKey } })).share),
    );
    expect(await codeOf(rebuildOpeningKey({ suite, publicKeySpki: other.publicKeySpki, shares: otherShares.slice(0, 2) }))).toBe('ok');
    expect(await codeOf(rebuildOpeningKey({ suite, publicKeySpki: created.publicKeySpki, shares: otherShares.slice(0, 2) }))).toBe('shares-do-not-match');
    // And a share of another key is refused by its header before any arithmetic.
    expect(await codeOf(openSealedShare({ sealedShare: [other.shares[1]!.sealedShare], key: { privateKey: custodians[1]!.privateKey }, expectKeyId: created.keyId }))).toBe('wrong-share');
  });

  it('refuses a public half of the other suite', async () => {
    const otherSuite = suite === SUITE_SM2_SM4 ? SUITE_RSA_AES : SUITE_SM2_SM4;
    const other = await createOpeningKey({ suite: otherSuite, threshold: 2, custodians: custodians.slice(0, 2).map((c) => ({ id: c.id, publicKeySpki: c.spki })), modulusLength: 2048 });
    expect(await codeOf(rebuildOpeningKey({ suite, publicKeySpki: other.publicKeySpki, shares: plainShares.slice(0, 3) }))).toBe('shares-do-not-match');
    expect(await codeOf(rebuildOpeningKey({ suite: otherSuite, publicKeySpki: created.publicKeySpki, shares: plainShares.slice(0, 3) }))).toBe('shares-do-not-match');
  });

  it('a share opens only with its own custodian’s key (of either algorithm)', async () => {
    // c1 (RSA) with c2's SM2 key, c1 with c3's RSA key, c2 (SM2) with c4's SM2 key, c2 with c1's RSA key.
    for (const [share, key] of [[0, 1], [0, 2], [1, 3], [1, 0]] as const) {
      expect(await codeOf(openSealedShare({ sealedShare: [created.shares[share]!.sealedShare], key: { privateKey: custodians[key]!.privateKey } }))).toBe('wrong-share');
    }
  });

  it('nothing of the private half appears in what the ceremony returns', async () => {
    const returned = [created.publicKeySpki, ...created.shares.map((s) => s.sealedShare)].map(toHex).join('|');
    for (const share of plainShares) expect(returned).not.toContain(toHex(share.subarray(0, 48)));
    const { privateKey, privateKeyPkcs8 } = await rebuildOpeningKey({ suite, publicKeySpki: created.publicKeySpki, shares: plainShares, exportPkcs8: true });
    if (isSm2PrivateKey(privateKey)) expect(returned).not.toContain(toHex(privateKey.d));
    expect(returned).not.toContain(toHex(privateKeyPkcs8!.subarray(privateKeyPkcs8!.length - 80, privateKeyPkcs8!.length - 40)));
  });
});

describe('opening key options', async () => {
  const custodians = await Promise.all(['rsa', 'sm2', 'rsa'].map(async (kind, i) => ({ id: `c${i + 1}`, ...(await custodianKey(kind as 'rsa' | 'sm2')) })));
  const list = custodians.map((c) => ({ id: c.id, publicKeySpki: c.spki }));

  it('refuses a threshold outside 2 ≤ k ≤ n, a custodian twice, one key for two custodians, and suites it has no key for', async () => {
    for (const suite of [SUITE_RSA_AES, SUITE_SM2_SM4]) {
      expect(await codeOf(createOpeningKey({ suite, threshold: 4, custodians: list }))).toBe('invalid-input');
      expect(await codeOf(createOpeningKey({ suite, threshold: 1, custodians: list }))).toBe('invalid-input');
      expect(await codeOf(createOpeningKey({ suite, threshold: 2, custodians: [list[0]!, list[0]!, list[1]!] }))).toBe('invalid-input');
      expect(await codeOf(createOpeningKey({ suite, threshold: 2, custodians: [list[0]!, list[1]!, { id: 'c9', publicKeySpki: list[1]!.publicKeySpki }] }))).toBe('invalid-input');
    }
    expect(await codeOf(createOpeningKey({ suite: 'no-such-suite', threshold: 2, custodians: list }))).toBe('unsupported-suite');
  });

  it('refuses a custodian key the envelope cannot seal to (neither RSA nor SM2), before making any key', async () => {
    const p256 = await subtle.generateKey({ name: 'ECDH', namedCurve: 'P-256' }, true, ['deriveBits']);
    const spki = new Uint8Array(await subtle.exportKey('spki', p256.publicKey));
    for (const suite of [SUITE_RSA_AES, SUITE_SM2_SM4]) {
      const refused = createOpeningKey({ suite, threshold: 2, custodians: [list[0]!, list[1]!, { id: 'c9', publicKeySpki: spki }] });
      expect(await codeOf(refused)).toBe('invalid-input');
      await expect(refused).rejects.toThrow(/custodian c9's key cannot receive a share/);
    }
  });
});
