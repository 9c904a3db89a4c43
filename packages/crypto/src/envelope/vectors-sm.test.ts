/**
 * Published test vectors (testdata/vectors-sm2-sm4.json) for suite sm2/sm4-ctr-hmac-sm3-stream.
 * Regenerate — only when the format deliberately changes — with
 *   WRITE_ENVELOPE_VECTORS=1 npx vitest run packages/crypto/src/envelope/vectors-sm.test.ts
 * The SM2 key pairs in the file are TEST KEYS, published on purpose; never use them for anything.
 *
 * Each vector is re-created byte for byte by the portable backend (sm-crypto-v2) and by Node's
 * OpenSSL, and read independently, following only docs/envelope.md §9, with Node's sm3, HMAC-SM3
 * and sm4-ctr and the `openssl` command for the SM2 decryption.
 */
import { execFileSync } from 'node:child_process';
import { createDecipheriv, createHash, createHmac } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { portableBackend } from './backend';
import { SUITE_SM2_SM4, decodeHeader } from './format';
import { inspectEnvelope } from './inspect';
import { createNodeBackend } from './node/backend';
import { openEnvelopeToBytes } from './open';
import { sealWithFixedRandomnessForTestVectors } from './seal';
import { generateSm2KeyPair, sm2PrivateKeyFromPkcs8 } from './sm2-keys';
import { SM_LABELS, sm2WrapContentKey, importSm2Recipient } from './sm2-sm4-suite';
import { concat, sealedBytes, splitEnvelope } from './test-support';

const file = fileURLToPath(new URL('./testdata/vectors-sm2-sm4.json', import.meta.url));
type KeyName = 'bidder' | 'opening';

interface VectorFile {
  comment: string;
  suite: string;
  keys: Record<KeyName, { comment: string; spkiBase64: string; pkcs8Base64: string }>;
  vectors: Vector[];
}
interface Vector {
  name: string;
  chunkSize: number;
  metadata: Record<string, string>;
  recipients: { role: 'bidder' | 'opening'; key: KeyName }[];
  plaintextHex: string;
  contentKeyHex: string;
  noncePrefixHex: string;
  saltHex: string;
  wrappedKeysHex: string[];
  expected: { commitmentHex: string; headerSha256Hex: string; ciphertextSha256Hex: string; envelopeHex: string };
}

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
const unhex = (s: string) => new Uint8Array(Buffer.from(s, 'hex'));
const b64 = (s: string) => new Uint8Array(Buffer.from(s, 'base64'));
const seq = (n: number, start: number) => new Uint8Array(n).map((_, i) => (start + i) & 0xff);

const cases: Omit<Vector, 'wrappedKeysHex' | 'expected'>[] = [
  {
    name: 'empty bid, one recipient, 1 KiB chunks (one final chunk holding only the salt)',
    chunkSize: 1024,
    metadata: { bidder: '91310000MA1FL0000X', section: 'GGZY-2026-0042-01' },
    recipients: [{ role: 'bidder', key: 'bidder' }],
    plaintextHex: '',
    contentKeyHex: hex(seq(32, 0x00)),
    noncePrefixHex: hex(seq(7, 0xa0)),
    saltHex: hex(seq(32, 0x40)),
  },
  {
    name: 'short UTF-8 price line, two recipients, 16-byte chunks (the salt spans two chunks)',
    chunkSize: 16,
    metadata: { bidder: '91310000MA1FL0000X', section: 'GGZY-2026-0042-01' },
    recipients: [
      { role: 'bidder', key: 'bidder' },
      { role: 'opening', key: 'opening' },
    ],
    plaintextHex: hex(new TextEncoder().encode('投标报价：壹佰万元整 (¥1,000,000.00)')),
    contentKeyHex: hex(seq(32, 0x20)),
    noncePrefixHex: hex(seq(7, 0xb0)),
    saltHex: hex(seq(32, 0x60)),
  },
  {
    name: '100 bytes, 48-byte chunks: chunks that are not a multiple of the SM4 block, a short final chunk',
    chunkSize: 48,
    metadata: { section: 'GGZY-2026-0042-02' },
    recipients: [
      { role: 'opening', key: 'opening' },
      { role: 'bidder', key: 'bidder' },
    ],
    plaintextHex: hex(seq(100, 0x80)),
    contentKeyHex: hex(seq(32, 0xc0)),
    noncePrefixHex: hex(seq(7, 0x10)),
    saltHex: hex(seq(32, 0xe0)),
  },
];

function spkiOf(keys: VectorFile['keys'], k: KeyName): Uint8Array {
  return b64(keys[k].spkiBase64);
}

async function sealVector(v: Omit<Vector, 'expected'>, keys: VectorFile['keys'], backend = portableBackend) {
  const sealed = await sealWithFixedRandomnessForTestVectors(
    {
      plaintext: [unhex(v.plaintextHex)],
      recipients: v.recipients.map((r) => ({ role: r.role, publicKey: spkiOf(keys, r.key) })),
      metadata: v.metadata,
      chunkSize: v.chunkSize,
      suite: SUITE_SM2_SM4,
      backend,
    },
    { contentKey: unhex(v.contentKeyHex), noncePrefix: unhex(v.noncePrefixHex), salt: unhex(v.saltHex), wrappedKeys: v.wrappedKeysHex.map(unhex) },
  );
  const envelope = await sealedBytes(sealed);
  return { envelope, summary: await sealed.summary };
}

async function writeVectors(): Promise<void> {
  const previous = existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as VectorFile) : undefined;
  const pair = (comment: string) => {
    const p = generateSm2KeyPair();
    return { comment, spkiBase64: Buffer.from(p.publicKeySpki).toString('base64'), pkcs8Base64: Buffer.from(p.privateKeyPkcs8).toString('base64') };
  };
  const keys = previous?.keys ?? {
    bidder: pair('TEST KEY ONLY (published): stands for a bidder certificate key, SM2'),
    opening: pair('TEST KEY ONLY (published): stands for a section opening key, SM2'),
  };
  const vectors: Vector[] = [];
  for (const c of cases) {
    // SM2 encryption is randomised, so each vector fixes the wrapped key bytes it was generated with.
    const wrappedKeysHex = c.recipients.map((r) => hex(sm2WrapContentKey(importSm2Recipient(spkiOf(keys, r.key)).point, unhex(c.contentKeyHex))));
    const { envelope, summary } = await sealVector({ ...c, wrappedKeysHex }, keys);
    vectors.push({
      ...c,
      wrappedKeysHex,
      expected: { commitmentHex: summary.commitment, headerSha256Hex: summary.headerSha256, ciphertextSha256Hex: summary.ciphertextSha256, envelopeHex: hex(envelope) },
    });
  }
  const out: VectorFile = {
    comment:
      'Test vectors for docs/envelope.md §9, suite sm2/sm4-ctr-hmac-sm3-stream, format version 1. ' +
      'Content keys, nonce prefixes, salts and wrapped keys are FIXED here only to make the bytes reproducible; ' +
      'a real envelope draws all of them at random. The SM2 keys are published TEST KEYS (SPKI and PKCS#8 DER, base64).',
    suite: SUITE_SM2_SM4,
    keys,
    vectors,
  };
  writeFileSync(file, `${JSON.stringify(out, null, 2)}\n`);
}

const hmacSm3 = (key: Uint8Array, ...parts: Uint8Array[]) => parts.reduce((h, p) => h.update(p), createHmac('sm3', key)).digest();
const sm3 = (...parts: Uint8Array[]) => parts.reduce((h, p) => h.update(p), createHash('sm3')).digest();

/** An independent reading of docs/envelope.md §9 with Node's own crypto, sharing no code with open.ts. */
function openPerDocumentation(envelope: Uint8Array, contentKey: Uint8Array): { stream: Uint8Array; commitment: Uint8Array } {
  const { header, records, trailer } = splitEnvelope(envelope);
  const parsed = decodeHeader(header);
  expect(Buffer.from(parsed.keyCommitment)).toEqual(hmacSm3(contentKey, Buffer.from('ggzy-envelope/v1/key-commitment')));
  const encryptionKey = hmacSm3(contentKey, Buffer.from('ggzy-envelope/v1/sm4-ctr-key')).subarray(0, 16);
  const macKey = hmacSm3(contentKey, Buffer.from('ggzy-envelope/v1/hmac-sm3-key'));
  const headerDigest = sm3(header);
  let chain = sm3(Buffer.from('ggzy-envelope/v1/sm3-commitment'));
  const parts = records.map((record, i) => {
    const last = i === records.length - 1;
    expect(record[0]).toBe(last ? 1 : 0);
    const nonce = Buffer.concat([parsed.noncePrefix, Buffer.from([i >>> 24, (i >>> 16) & 0xff, (i >>> 8) & 0xff, i & 0xff, last ? 1 : 0])]);
    const ciphertext = record.subarray(5, record.length - 16);
    const ad = last ? Buffer.concat([headerDigest, trailer]) : headerDigest;
    expect(hmacSm3(macKey, nonce, ad, ciphertext).subarray(0, 16).toString('hex')).toBe(hex(record.subarray(record.length - 16)));
    const plaintext = createDecipheriv('sm4-ctr', encryptionKey, Buffer.concat([nonce, Buffer.alloc(4)])).update(ciphertext);
    chain = sm3(chain, plaintext);
    return plaintext;
  });
  expect(hex(chain)).toBe(hex(trailer));
  return { stream: concat(parts), commitment: trailer };
}

/** GM/T 0009 SM2Cipher DER { x, y, C3, C2 } from the format's C1 ‖ C3 ‖ C2, for the `openssl` command. */
function sm2CipherDer(wrapped: Uint8Array): Uint8Array {
  const int = (b: Uint8Array) => {
    let v = Buffer.from(b);
    while (v.length > 1 && v[0] === 0 && v[1]! < 0x80) v = v.subarray(1);
    if (v[0]! >= 0x80) v = Buffer.concat([Buffer.of(0), v]);
    return Buffer.concat([Buffer.of(0x02, v.length), v]);
  };
  const body = Buffer.concat([int(wrapped.subarray(1, 33)), int(wrapped.subarray(33, 65)), Buffer.of(0x04, 32), wrapped.subarray(65, 97), Buffer.of(0x04, 32), wrapped.subarray(97)]);
  return Buffer.concat([body.length < 0x80 ? Buffer.of(0x30, body.length) : Buffer.of(0x30, 0x81, body.length), body]);
}

describe('published SM2/SM4 test vectors', async () => {
  if (process.env.WRITE_ENVELOPE_VECTORS === '1') await writeVectors();
  const data = JSON.parse(readFileSync(file, 'utf8')) as VectorFile;

  it.each(data.vectors.map((v) => [v.name, v] as const))('%s: re-created byte for byte by both backends and opened', async (_, v) => {
    for (const backend of [portableBackend, createNodeBackend({ offThreadDigest: 0 }), createNodeBackend({ offThreadDigest: 2 })]) {
      const { envelope, summary } = await sealVector(v, data.keys, backend);
      expect(hex(envelope), backend.name).toBe(v.expected.envelopeHex);
      expect(summary.commitment).toBe(v.expected.commitmentHex);
      expect(summary.headerSha256).toBe(v.expected.headerSha256Hex);
      expect(summary.ciphertextSha256).toBe(v.expected.ciphertextSha256Hex);
    }
    const published = unhex(v.expected.envelopeHex);
    expect(createHash('sha256').update(published).digest('hex')).toBe(v.expected.ciphertextSha256Hex);
    for (const r of v.recipients) {
      const privateKey = sm2PrivateKeyFromPkcs8(b64(data.keys[r.key].pkcs8Base64));
      for (const backend of [portableBackend, createNodeBackend()]) {
        const opened = await openEnvelopeToBytes({ envelope: [published], key: { privateKey }, backend });
        expect(hex(opened.plaintext)).toBe(v.plaintextHex);
      }
    }
    expect(hex((await openEnvelopeToBytes({ envelope: [published], key: { contentKey: unhex(v.contentKeyHex) } })).plaintext)).toBe(v.plaintextHex);
    const inspection = await inspectEnvelope([published]);
    expect(inspection.commitment).toBe(v.expected.commitmentHex);
    expect(inspection.plaintextBytes).toBe(v.plaintextHex.length / 2);

    const independent = openPerDocumentation(published, unhex(v.contentKeyHex));
    expect(hex(independent.stream)).toBe(v.saltHex + v.plaintextHex);
  });

  it('each wrapped key decrypts with OpenSSL’s SM2 (GM/T 0003.4, C1C3C2) to the content key', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ggzy-sm2-'));
    try {
      for (const v of data.vectors) {
        v.recipients.forEach((r, i) => {
          const keyFile = join(dir, `${r.key}.pem`);
          writeFileSync(keyFile, `-----BEGIN PRIVATE KEY-----\n${data.keys[r.key].pkcs8Base64}\n-----END PRIVATE KEY-----\n`);
          const wrappedFile = join(dir, 'wrapped.der');
          writeFileSync(wrappedFile, sm2CipherDer(unhex(v.wrappedKeysHex[i]!)));
          const key = execFileSync('openssl', ['pkeyutl', '-decrypt', '-inkey', keyFile, '-in', wrappedFile]);
          expect(key.toString('hex')).toBe(v.contentKeyHex);
        });
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('publishes keys OpenSSL reads as SM2 and whose key id is SHA-256 of the SPKI', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ggzy-sm2-'));
    try {
      const keyFile = join(dir, 'k.pem');
      writeFileSync(keyFile, `-----BEGIN PRIVATE KEY-----\n${data.keys.bidder.pkcs8Base64}\n-----END PRIVATE KEY-----\n`);
      expect(execFileSync('openssl', ['pkey', '-in', keyFile, '-text', '-noout'], { encoding: 'utf8' })).toContain('ASN1 OID: SM2');
      const spki = execFileSync('openssl', ['pkey', '-in', keyFile, '-pubout', '-outform', 'DER']);
      expect(spki.toString('base64')).toBe(data.keys.bidder.spkiBase64);
      const header = decodeHeader(splitEnvelope(unhex(data.vectors[0]!.expected.envelopeHex)).header);
      expect(hex(header.recipients[0]!.keyId)).toBe(createHash('sha256').update(spki).digest('hex'));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
