/**
 * Published test vectors (testdata/vectors.json) for suite rsa-oaep-sha256/aes-256-gcm-stream.
 * Regenerate — only when the format deliberately changes — with
 *   WRITE_ENVELOPE_VECTORS=1 npx vitest run packages/crypto/src/envelope/vectors.test.ts
 * The RSA key pairs in the file are TEST KEYS, published on purpose; never use them for anything.
 */
import { constants, createDecipheriv, createHash, createPrivateKey, privateDecrypt } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { decodeHeader } from './format';
import { inspectEnvelope } from './inspect';
import { openEnvelopeToBytes } from './open';
import { OAEP_LABEL, wrapContentKey } from './rsa-aes-suite';
import { createNodeBackend } from './node/backend';
import { sealWithFixedRandomnessForTestVectors, type SealEnvelopeOptions, type SealRecipient } from './seal';
import { concat, generateRsaKeyPair, sealedBytes, splitEnvelope } from './test-support';

const file = fileURLToPath(new URL('./testdata/vectors.json', import.meta.url));
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
];

async function importKeys(keys: VectorFile['keys']) {
  const alg = { name: 'RSA-OAEP', hash: 'SHA-256' } as const;
  const pair = async (k: KeyName) => ({
    publicKey: await crypto.subtle.importKey('spki', b64(keys[k].spkiBase64), alg, true, ['encrypt']),
    privateKey: await crypto.subtle.importKey('pkcs8', b64(keys[k].pkcs8Base64), alg, true, ['decrypt']),
  });
  return { bidder: await pair('bidder'), opening: await pair('opening') };
}

const nodeSha256 = () => createHash('sha256');

async function sealVector(
  v: Omit<Vector, 'expected'>,
  keys: Awaited<ReturnType<typeof importKeys>>,
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

async function writeVectors(): Promise<void> {
  const previous = existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as VectorFile) : undefined;
  let keys = previous?.keys;
  if (!keys) {
    const exportPair = async (comment: string) => {
      const p = await generateRsaKeyPair();
      return {
        comment,
        spkiBase64: Buffer.from(await crypto.subtle.exportKey('spki', p.publicKey)).toString('base64'),
        pkcs8Base64: Buffer.from(await crypto.subtle.exportKey('pkcs8', p.privateKey)).toString('base64'),
      };
    };
    keys = {
      bidder: await exportPair('TEST KEY ONLY (published): stands for a bidder certificate key, RSA 2048'),
      opening: await exportPair('TEST KEY ONLY (published): stands for a section opening key, RSA 2048'),
    };
  }
  const imported = await importKeys(keys);
  const vectors: Vector[] = [];
  for (const c of cases) {
    // RSA-OAEP is randomised, so each vector fixes the wrapped key bytes it was generated with.
    const wrappedKeysHex = await Promise.all(
      c.recipients.map(async (r) => hex(await wrapContentKey(imported[r.key].publicKey, unhex(c.contentKeyHex)))),
    );
    const { envelope, summary } = await sealVector({ ...c, wrappedKeysHex }, imported);
    vectors.push({
      ...c,
      wrappedKeysHex,
      expected: {
        commitmentHex: summary.commitment,
        headerSha256Hex: summary.headerSha256,
        ciphertextSha256Hex: summary.ciphertextSha256,
        envelopeHex: hex(envelope),
      },
    });
  }
  const out: VectorFile = {
    comment:
      'Test vectors for docs/envelope.md, suite rsa-oaep-sha256/aes-256-gcm-stream, format version 1. ' +
      'Content keys, nonce prefixes, salts and wrapped keys are FIXED here only to make the bytes reproducible; ' +
      'a real envelope draws all of them at random. The RSA keys are published TEST KEYS.',
    suite: 'rsa-oaep-sha256/aes-256-gcm-stream',
    keys,
    vectors,
  };
  writeFileSync(file, `${JSON.stringify(out, null, 2)}\n`);
}

/** An independent reading of docs/envelope.md with Node's own crypto, sharing no code with open.ts. */
function openPerDocumentation(envelope: Uint8Array, contentKey: Uint8Array): { stream: Uint8Array; commitment: Uint8Array } {
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

describe('published test vectors', async () => {
  if (process.env.WRITE_ENVELOPE_VECTORS === '1') await writeVectors();
  const data = JSON.parse(readFileSync(file, 'utf8')) as VectorFile;

  it.each(data.vectors.map((v) => [v.name, v] as const))('%s: re-created byte for byte and opened', async (_, v) => {
    const keys = await importKeys(data.keys);
    const { envelope, summary } = await sealVector(v, keys);
    expect(hex(envelope)).toBe(v.expected.envelopeHex);
    expect(summary.commitment).toBe(v.expected.commitmentHex);
    expect(summary.headerSha256).toBe(v.expected.headerSha256Hex);
    expect(summary.ciphertextSha256).toBe(v.expected.ciphertextSha256Hex);
    expect(createHash('sha256').update(envelope).digest('hex')).toBe(v.expected.ciphertextSha256Hex);

    // Node's native SHA-256, which the CLI and the server may plug in, gives the same bytes.
    const withNodeHash = await sealVector(v, keys, true);
    expect(hex(withNodeHash.envelope)).toBe(v.expected.envelopeHex);
    expect(withNodeHash.summary).toEqual(summary);
    // So does the whole Node backend (native AES-GCM, SHA-256 on the calling thread or on workers).
    for (const backend of [createNodeBackend({ offThreadDigest: 0 }), createNodeBackend({ offThreadDigest: 1 }), createNodeBackend({ offThreadDigest: 2 })]) {
      const viaNode = await sealVector(v, keys, false, { backend });
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

    const independent = openPerDocumentation(published, unhex(v.contentKeyHex));
    expect(hex(independent.stream)).toBe(v.saltHex + v.plaintextHex);
    expect(hex(independent.commitment)).toBe(createHash('sha256').update(independent.stream).digest('hex'));
  });
});
