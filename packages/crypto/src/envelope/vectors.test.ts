/**
 * Published test vectors, one file per suite:
 *   testdata/vectors.json          rsa-oaep-sha256/aes-256-gcm-stream
 *   testdata/vectors-sm2-sm4.json  sm2/sm4-ctr-hmac-sm3-stream
 * Regenerate — only when the format deliberately changes — with
 *   WRITE_ENVELOPE_VECTORS=<rsa|sm> npx vitest run packages/crypto/src/envelope/vectors.test.ts
 * (`=1` rewrites both files; the wrapped keys are randomised, so a rewrite changes every envelope).
 * The RSA and SM2 key pairs in the files are TEST KEYS, published on purpose; never use them for anything.
 *
 * Each vector is re-created byte for byte by the portable backend and by Node's (OpenSSL), and read
 * independently, following only docs/envelope.md, with Node's own crypto: AES-256-GCM and RSA-OAEP,
 * or (§9) sm3, HMAC-SM3 and sm4-ctr, and the `openssl` command for the SM2 decryption.
 */
import { execFileSync } from 'node:child_process';
import { constants, createDecipheriv, createHash, createHmac, createPrivateKey, privateDecrypt } from 'node:crypto';
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
import { OAEP_LABEL, wrapContentKey } from './rsa-aes-suite';
import { sealWithFixedRandomnessForTestVectors, type SealEnvelopeOptions, type SealRecipient } from './seal';
import { generateSm2KeyPair, sm2PrivateKeyFromPkcs8 } from './sm2-keys';
import { importSm2Recipient, sm2WrapContentKey } from './sm2-sm4-suite';
import { concat, generateRsaKeyPair, sealedBytes, splitEnvelope } from './test-support';

// ——— The vector files, the same shape for every suite ———

type KeyName = 'bidder' | 'opening';

interface KeyEntry {
  comment: string;
  spkiBase64: string;
  pkcs8Base64: string;
}
interface VectorFile {
  comment: string;
  suite: string;
  keys: Record<KeyName, KeyEntry>;
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
type VectorCase = Omit<Vector, 'wrappedKeysHex' | 'expected'>;

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
const unhex = (s: string) => new Uint8Array(Buffer.from(s, 'hex'));
const b64 = (s: string) => new Uint8Array(Buffer.from(s, 'base64'));
const seq = (n: number, start: number) => new Uint8Array(n).map((_, i) => (start + i) & 0xff);

/** The first two cases of every suite; the third tries each cipher's own chunk boundaries. */
const commonCases: VectorCase[] = [
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
];

/** What differs between the suites' vector files and the checks made on them. */
interface VectorSuite {
  /** WRITE_ENVELOPE_VECTORS=<id> rewrites this suite's file. */
  id: 'rsa' | 'sm';
  /** The describe block's name. */
  title: string;
  /** The name of each vector's test (`%s`: the vector's name). */
  vectorTest: string;
  file: string;
  suite: string;
  comment: string;
  /** As the key comments name the algorithm: "RSA 2048", "SM2". */
  keyAlgorithm: string;
  cases: VectorCase[];
  newKeyPair(): Promise<Omit<KeyEntry, 'comment'>>;
  /** One recipient's wrapped content key: randomised, so each vector fixes the bytes it was generated with. */
  wrap(keys: VectorFile['keys'], key: KeyName, contentKey: Uint8Array): Promise<Uint8Array>;
  seal(v: Omit<Vector, 'expected'>, keys: VectorFile['keys']): Promise<{ envelope: Uint8Array; summary: { commitment: string; headerSha256: string; ciphertextSha256: string } }>;
  checkVector(v: Vector, data: VectorFile): Promise<void>;
  /** Tests over the whole file, beside the per-vector ones. */
  fileTests?(data: VectorFile): void;
}

async function writeVectors(s: VectorSuite): Promise<void> {
  const previous = existsSync(s.file) ? (JSON.parse(readFileSync(s.file, 'utf8')) as VectorFile) : undefined;
  let keys = previous?.keys;
  if (!keys) {
    keys = {
      bidder: { comment: `TEST KEY ONLY (published): stands for a bidder certificate key, ${s.keyAlgorithm}`, ...(await s.newKeyPair()) },
      opening: { comment: `TEST KEY ONLY (published): stands for a section opening key, ${s.keyAlgorithm}`, ...(await s.newKeyPair()) },
    };
  }
  const vectors: Vector[] = [];
  for (const c of s.cases) {
    const wrappedKeysHex = await Promise.all(c.recipients.map(async (r) => hex(await s.wrap(keys, r.key, unhex(c.contentKeyHex)))));
    const { envelope, summary } = await s.seal({ ...c, wrappedKeysHex }, keys);
    vectors.push({
      ...c,
      wrappedKeysHex,
      expected: { commitmentHex: summary.commitment, headerSha256Hex: summary.headerSha256, ciphertextSha256Hex: summary.ciphertextSha256, envelopeHex: hex(envelope) },
    });
  }
  const out: VectorFile = { comment: s.comment, suite: s.suite, keys, vectors };
  writeFileSync(s.file, `${JSON.stringify(out, null, 2)}\n`);
}

// ——— rsa-oaep-sha256/aes-256-gcm-stream ———

async function importRsaKeys(keys: VectorFile['keys']) {
  const alg = { name: 'RSA-OAEP', hash: 'SHA-256' } as const;
  const pair = async (k: KeyName) => ({
    publicKey: await crypto.subtle.importKey('spki', b64(keys[k].spkiBase64), alg, true, ['encrypt']),
    privateKey: await crypto.subtle.importKey('pkcs8', b64(keys[k].pkcs8Base64), alg, true, ['decrypt']),
  });
  return { bidder: await pair('bidder'), opening: await pair('opening') };
}

const nodeSha256 = () => createHash('sha256');

async function sealRsaVector(
  v: Omit<Vector, 'expected'>,
  keys: Awaited<ReturnType<typeof importRsaKeys>>,
  useNodeHash = false,
  extra: Partial<SealEnvelopeOptions> = {},
) {
  const recipients: SealRecipient[] = v.recipients.map((r) => ({ role: r.role, publicKey: keys[r.key].publicKey }));
  const sealed = await sealWithFixedRandomnessForTestVectors(
    {
      plaintext: [unhex(v.plaintextHex)],
      recipients,
      metadata: v.metadata,
      chunkSize: v.chunkSize,
      ...(useNodeHash ? { createSha256: nodeSha256 } : {}),
      ...extra,
    },
    {
      contentKey: unhex(v.contentKeyHex),
      noncePrefix: unhex(v.noncePrefixHex),
      salt: unhex(v.saltHex),
      wrappedKeys: v.wrappedKeysHex.map(unhex),
    },
  );
  const envelope = await sealedBytes(sealed);
  return { envelope, summary: await sealed.summary };
}

/** An independent reading of docs/envelope.md with Node's own crypto, sharing no code with open.ts. */
function openRsaPerDocumentation(envelope: Uint8Array, contentKey: Uint8Array): { stream: Uint8Array; commitment: Uint8Array } {
  const { header, records, trailer } = splitEnvelope(envelope);
  const parsed = decodeHeader(header);
  const headerDigest = createHash('sha256').update(header).digest();
  const parts = records.map((record, i) => {
    const last = i === records.length - 1;
    expect(record[0]).toBe(last ? 1 : 0);
    expect(Buffer.from(record.subarray(1, 5)).readUInt32BE(0)).toBe(record.length - 5);
    const nonce = Buffer.concat([parsed.noncePrefix, Buffer.from([i >>> 24, (i >>> 16) & 0xff, (i >>> 8) & 0xff, i & 0xff, last ? 1 : 0])]);
    const decipher = createDecipheriv('aes-256-gcm', contentKey, nonce);
    decipher.setAAD(last ? Buffer.concat([headerDigest, trailer]) : headerDigest);
    decipher.setAuthTag(record.subarray(record.length - 16));
    return Buffer.concat([decipher.update(record.subarray(5, record.length - 16)), decipher.final()]);
  });
  return { stream: concat(parts), commitment: trailer };
}

const rsaSuite: VectorSuite = {
  id: 'rsa',
  title: 'published test vectors',
  vectorTest: '%s: re-created byte for byte and opened',
  file: fileURLToPath(new URL('./testdata/vectors.json', import.meta.url)),
  suite: 'rsa-oaep-sha256/aes-256-gcm-stream',
  comment:
    'Test vectors for docs/envelope.md, suite rsa-oaep-sha256/aes-256-gcm-stream, format version 1. ' +
    'Content keys, nonce prefixes, salts and wrapped keys are FIXED here only to make the bytes reproducible; ' +
    'a real envelope draws all of them at random. The RSA keys are published TEST KEYS.',
  keyAlgorithm: 'RSA 2048',
  cases: [
    ...commonCases,
    {
      name: '96 bytes, 32-byte chunks: salt + plaintext fill exactly four chunks (the final chunk is full)',
      chunkSize: 32,
      metadata: { section: 'GGZY-2026-0042-02' },
      recipients: [
        { role: 'opening', key: 'opening' },
        { role: 'bidder', key: 'bidder' },
      ],
      plaintextHex: hex(seq(96, 0x80)),
      contentKeyHex: hex(seq(32, 0xc0)),
      noncePrefixHex: hex(seq(7, 0x10)),
      saltHex: hex(seq(32, 0xe0)),
    },
  ],
  newKeyPair: async () => {
    const p = await generateRsaKeyPair();
    return {
      spkiBase64: Buffer.from(await crypto.subtle.exportKey('spki', p.publicKey)).toString('base64'),
      pkcs8Base64: Buffer.from(await crypto.subtle.exportKey('pkcs8', p.privateKey)).toString('base64'),
    };
  },
  wrap: async (keys, key, contentKey) => wrapContentKey((await importRsaKeys(keys))[key].publicKey, contentKey),
  seal: async (v, keys) => sealRsaVector(v, await importRsaKeys(keys)),

  async checkVector(v, data) {
    const keys = await importRsaKeys(data.keys);
    const { envelope, summary } = await sealRsaVector(v, keys);
    expect(hex(envelope)).toBe(v.expected.envelopeHex);
    expect(summary.commitment).toBe(v.expected.commitmentHex);
    expect(summary.headerSha256).toBe(v.expected.headerSha256Hex);
    expect(summary.ciphertextSha256).toBe(v.expected.ciphertextSha256Hex);
    expect(createHash('sha256').update(envelope).digest('hex')).toBe(v.expected.ciphertextSha256Hex);

    // Node's native SHA-256, which the CLI and the server may plug in, gives the same bytes.
    const withNodeHash = await sealRsaVector(v, keys, true);
    expect(hex(withNodeHash.envelope)).toBe(v.expected.envelopeHex);
    expect(withNodeHash.summary).toEqual(summary);
    // So does the whole Node backend (native AES-GCM, SHA-256 on the calling thread or on workers).
    for (const backend of [createNodeBackend({ offThreadDigest: 0 }), createNodeBackend({ offThreadDigest: 1 }), createNodeBackend({ offThreadDigest: 2 })]) {
      const viaNode = await sealRsaVector(v, keys, false, { backend });
      expect(hex(viaNode.envelope), backend.name).toBe(v.expected.envelopeHex);
      expect(viaNode.summary).toEqual(summary);
      const opened = await openEnvelopeToBytes({ envelope: [unhex(v.expected.envelopeHex)], key: { contentKey: unhex(v.contentKeyHex) }, backend });
      expect(hex(opened.plaintext)).toBe(v.plaintextHex);
    }

    const plaintext = unhex(v.plaintextHex);
    const published = unhex(v.expected.envelopeHex);
    for (const r of v.recipients) {
      const opened = await openEnvelopeToBytes({ envelope: [published], key: { privateKey: keys[r.key].privateKey } });
      expect(hex(opened.plaintext)).toBe(v.plaintextHex);
    }
    expect((await openEnvelopeToBytes({ envelope: [published], key: { contentKey: unhex(v.contentKeyHex) } })).plaintext).toEqual(plaintext);
    const viaNodeHash = await openEnvelopeToBytes({ envelope: [published], key: { contentKey: unhex(v.contentKeyHex) }, createSha256: nodeSha256 });
    expect(viaNodeHash.plaintext).toEqual(plaintext);
    const inspection = await inspectEnvelope([published], nodeSha256);
    expect(inspection.ciphertextSha256).toBe(v.expected.ciphertextSha256Hex);
    expect(inspection.commitment).toBe(v.expected.commitmentHex);

    // Each wrapped key unwraps, with Node's RSA-OAEP (SHA-256, MGF1-SHA-256, the documented label), to the content key.
    v.recipients.forEach((r, i) => {
      const key = createPrivateKey({ key: Buffer.from(data.keys[r.key].pkcs8Base64, 'base64'), format: 'der', type: 'pkcs8' });
      const unwrapped = privateDecrypt(
        { key, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256', oaepLabel: OAEP_LABEL },
        unhex(v.wrappedKeysHex[i]!),
      );
      expect(unwrapped.toString('hex')).toBe(v.contentKeyHex);
    });

    const independent = openRsaPerDocumentation(published, unhex(v.contentKeyHex));
    expect(hex(independent.stream)).toBe(v.saltHex + v.plaintextHex);
    expect(hex(independent.commitment)).toBe(createHash('sha256').update(independent.stream).digest('hex'));
  },
};

// ——— sm2/sm4-ctr-hmac-sm3-stream (docs/envelope.md §9) ———

function spkiOf(keys: VectorFile['keys'], k: KeyName): Uint8Array {
  return b64(keys[k].spkiBase64);
}

async function sealSmVector(v: Omit<Vector, 'expected'>, keys: VectorFile['keys'], backend = portableBackend) {
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

const hmacSm3 = (key: Uint8Array, ...parts: Uint8Array[]) => parts.reduce((h, p) => h.update(p), createHmac('sm3', key)).digest();
const sm3 = (...parts: Uint8Array[]) => parts.reduce((h, p) => h.update(p), createHash('sm3')).digest();

/** An independent reading of docs/envelope.md §9 with Node's own crypto, sharing no code with open.ts. */
function openSmPerDocumentation(envelope: Uint8Array, contentKey: Uint8Array): { stream: Uint8Array; commitment: Uint8Array } {
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

const smSuite: VectorSuite = {
  id: 'sm',
  title: 'published SM2/SM4 test vectors',
  vectorTest: '%s: re-created byte for byte by both backends and opened',
  file: fileURLToPath(new URL('./testdata/vectors-sm2-sm4.json', import.meta.url)),
  suite: SUITE_SM2_SM4,
  comment:
    'Test vectors for docs/envelope.md §9, suite sm2/sm4-ctr-hmac-sm3-stream, format version 1. ' +
    'Content keys, nonce prefixes, salts and wrapped keys are FIXED here only to make the bytes reproducible; ' +
    'a real envelope draws all of them at random. The SM2 keys are published TEST KEYS (SPKI and PKCS#8 DER, base64).',
  keyAlgorithm: 'SM2',
  cases: [
    ...commonCases,
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
  ],
  newKeyPair: async () => {
    const p = generateSm2KeyPair();
    return { spkiBase64: Buffer.from(p.publicKeySpki).toString('base64'), pkcs8Base64: Buffer.from(p.privateKeyPkcs8).toString('base64') };
  },
  wrap: async (keys, key, contentKey) => sm2WrapContentKey(importSm2Recipient(spkiOf(keys, key)).point, contentKey),
  seal: (v, keys) => sealSmVector(v, keys),

  async checkVector(v, data) {
    for (const backend of [portableBackend, createNodeBackend({ offThreadDigest: 0 }), createNodeBackend({ offThreadDigest: 2 })]) {
      const { envelope, summary } = await sealSmVector(v, data.keys, backend);
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

    const independent = openSmPerDocumentation(published, unhex(v.contentKeyHex));
    expect(hex(independent.stream)).toBe(v.saltHex + v.plaintextHex);
  },

  fileTests(data) {
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
  },
};

for (const s of [rsaSuite, smSuite]) {
  describe(s.title, async () => {
    const write = process.env.WRITE_ENVELOPE_VECTORS;
    if (write === '1' || write === s.id) await writeVectors(s);
    const data = JSON.parse(readFileSync(s.file, 'utf8')) as VectorFile;

    it.each(data.vectors.map((v) => [v.name, v] as const))(s.vectorTest, (_, v) => s.checkVector(v, data));
    s.fileTests?.(data);
  });
}
