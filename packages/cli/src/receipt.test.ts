import { ed25519 } from '@noble/curves/ed25519.js';
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { entryProblems, receiptSigningBytes, verifyReceiptSignature } from './receipt';

const seed = new Uint8Array(32).fill(7);
const publicKey = ed25519.getPublicKey(seed);
const keyId = createHash('sha256').update(publicKey).digest('hex');
const key = { keyId, publicKey: Buffer.from(publicKey).toString('base64') };

const body = {
  type: 'ggzy-receipt/v1',
  submissionId: '3f0c3a8e-1b1e-4a35-9a53-0e5f1c2d7b10',
  kind: 'submit',
  sectionId: '9b2d6c1e-5f7a-4e0b-8d3c-2a1f0e9d8c7b',
  sectionCode: 'SL-2026-001-01',
  organisationId: '0d4e2f6a-8b1c-4d3e-9f5a-7b6c5d4e3f2a',
  organisationName: '示例建工集团有限公司',
  ciphertextSha256: 'a'.repeat(64),
  envelopeBytes: 1234567,
  receivedAt: '2026-03-01T08:59:59.123Z',
  traceEntryId: 42,
  traceIndex: 41,
  logOrigin: 'ggzy.local/trace-log',
} as const;

/** What the platform does: Ed25519 over the context line and the canonical body. */
const sign = (b: object, s = seed) => ({ body: b, signature: Buffer.from(ed25519.sign(receiptSigningBytes(b), s)).toString('base64'), keyId });

describe('receipt verification', () => {
  it('signs "ggzy-receipt/v1\\n" ‖ JCS(body): sorted keys, no whitespace', () => {
    const text = new TextDecoder().decode(receiptSigningBytes({ b: 1, a: '回执', c: null }));
    expect(text).toBe('ggzy-receipt/v1\n{"a":"回执","b":1,"c":null}');
  });

  it('accepts a receipt signed by the key, whatever the key order in the file, and fields it does not know', () => {
    expect(verifyReceiptSignature(sign(body), key).body.traceIndex).toBe(41);
    const reordered = JSON.parse(JSON.stringify({ keyId, signature: sign(body).signature, body: Object.fromEntries(Object.entries(body).reverse()) }));
    expect(() => verifyReceiptSignature(reordered, key)).not.toThrow();
    // A field added by a later platform version is covered by the signature like the others.
    const extended = sign({ ...body, bidderCertificateSerial: '01ab' });
    expect(() => verifyReceiptSignature(extended, key)).not.toThrow();
    expect(() => verifyReceiptSignature({ ...extended, body: { ...extended.body, bidderCertificateSerial: '01ac' } }, key)).toThrow(/签名无效/);
  });

  it.each([
    ['the digest', { ciphertextSha256: 'b'.repeat(64) }],
    ['the time of receipt', { receivedAt: '2026-03-01T09:00:00.123Z' }],
    ['the trace index', { traceIndex: 40 }],
    ['the bidder', { organisationName: '别的公司' }],
  ])('refuses a receipt whose %s was altered', (_what, change) => {
    const receipt = sign(body);
    expect(() => verifyReceiptSignature({ ...receipt, body: { ...receipt.body, ...change } }, key)).toThrow(
      /回执签名无效：内容被改动或不是该密钥签发 \/ the receipt signature does not verify/,
    );
  });

  it('refuses a receipt signed by another key, and one naming another key', () => {
    const forged = sign(body, new Uint8Array(32).fill(8));
    expect(() => verifyReceiptSignature(forged, key)).toThrow(/签名无效/);
    expect(() => verifyReceiptSignature({ ...sign(body), keyId: 'ff'.repeat(32) }, key)).toThrow(/另一把密钥/);
  });

  it('refuses malformed receipts with the field named', () => {
    expect(() => verifyReceiptSignature({ body: { ...body, kind: 'steal' }, signature: 'AA==', keyId }, key)).toThrow(/回执格式不对（body.kind）/);
    expect(() => verifyReceiptSignature({ body, keyId }, key)).toThrow(/signature/);
  });

  it('ties a trace entry to the receipt, naming each mismatch', () => {
    const entry = {
      seq: 41, id: 42, at: body.receivedAt, actorId: 'a', actorName: 'bidder1', organisationId: body.organisationId, role: 'bidder',
      action: 'bid.submit', outcome: 'ok' as const, targetType: 'section', targetId: body.sectionId, requestId: null, ip: null, userAgent: null,
      digests: { ciphertextSha256: body.ciphertextSha256 },
      details: { submission: body.submissionId, envelopeBytes: String(body.envelopeBytes), receivedAt: body.receivedAt },
    };
    expect(entryProblems(entry, body)).toEqual([]);
    expect(entryProblems({ ...entry, action: 'bid.withdraw', id: 7, digests: {}, targetId: 'x', details: { submission: 'other' } }, body)).toEqual([
      'action bid.withdraw, expected bid.submit',
      'entry id 7, expected 42',
      `about section:x, expected section:${body.sectionId}`,
      `submission other, expected ${body.submissionId}`,
      `ciphertext digest (none), expected ${body.ciphertextSha256}`,
      'envelope size (none), expected 1234567',
    ]);
    // A late (denied) attempt at the same section is not the receipt's submission.
    expect(entryProblems({ ...entry, outcome: 'denied' }, body)).toEqual(['outcome denied']);
    const withdrawal = { ...body, kind: 'withdraw' as const, ciphertextSha256: null, envelopeBytes: null };
    expect(entryProblems({ ...entry, action: 'bid.withdraw', digests: {}, details: { submission: body.submissionId } }, withdrawal)).toEqual([]);
  });
});
