import { openCheckpoint, parseVerifierKey } from '@ggzy/audit/checkpoint';
import { fromHex, verifyInclusion } from '@ggzy/audit/merkle';
import { rewriteHistory, truncateHistory } from '@ggzy/audit/testing';
import { announcedSection, createTestPlatform, enrolTestCertificate, sealBid, signedSubmit, signedWithdraw, signInOverHttp, startTestServer, trpcCall, TusClient, type TestPlatform } from '@ggzy/api/testing';
import { ed25519 } from '@noble/curves/ed25519.js';
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Receipt } from './contract';
import { entryProblems, receiptSigningBytes, verifyReceiptSignature } from './receipt';

const BIN = process.env.GGZY_TEST_CLI ?? fileURLToPath(new URL('../bin/ggzy.mjs', import.meta.url));
const DEMO_PASSWORD = 'Ggzy@2026';
type SealingInfoLike = Parameters<typeof sealBid>[0];

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

/**
 * Receipts as witnesses (issue 10, docs/decisions/009-receipts-as-witnesses.md), with the real
 * `ggzy` command against a platform served over real HTTP on a real database: a receipt carries the
 * checkpoint that first included its entry, and verify-receipt checks the log served now extends it.
 * Then the database owner empties the log and inserts an edited history that the platform's own
 * sequencer signs with its own key: the same receipt no longer verifies.
 */
describe('receipts as witnesses of the log, against a running platform', () => {
  let p: TestPlatform;
  let server: Awaited<ReturnType<typeof startTestServer>>;
  let dir: string;
  let receiptFile: string;
  let receipt: Receipt & { inclusion?: { checkpoint: string; leafHash: string; proof: string[] } };
  let withdraw: () => Promise<typeof receipt>;
  const ggzy = async (...args: string[]) => {
    try {
      const { stdout, stderr } = await promisify(execFile)(process.execPath, [BIN, ...args], { env: { ...process.env, GGZY_PASSWORD: DEMO_PASSWORD } });
      return { code: 0, stdout, stderr };
    } catch (error) {
      const failed = error as { code?: unknown; stdout?: string; stderr?: string };
      if (typeof failed.code !== 'number') throw error;
      return { code: failed.code, stdout: failed.stdout ?? '', stderr: failed.stderr ?? '' };
    }
  };

  beforeAll(async () => {
    p = await createTestPlatform();
    server = await startTestServer(p.services);
    dir = await mkdtemp(join(tmpdir(), 'ggzy-witness-'));
    const section = await announcedSection(p.services.db);
    const cert = await enrolTestCertificate(p.services, 'bidder1');
    const headers = await signInOverHttp(server.base, 'bidder1');
    const me = await trpcCall<{ organisationId: string }>(server.base, headers, 'auth.me', undefined, 'query');
    const info = await trpcCall<SealingInfoLike>(server.base, headers, 'bidding.sealingInfo', { sectionId: section.id }, 'query');
    if (!me.ok || !info.ok) throw new Error('set-up failed');
    const sealed = await sealBid(info.data, Buffer.from('投标文件 witness test'));
    const uploadId = await new TusClient(server.base, headers).upload(section.id, sealed.bytes);
    const request = signedSubmit(cert, {
      sectionId: section.id,
      organisationId: me.data.organisationId,
      uploadId,
      ciphertextSha256: sealed.summary.ciphertextSha256,
      envelopeBytes: sealed.summary.envelopeBytes,
    });
    const submitted = await trpcCall<typeof receipt>(server.base, headers, 'bidding.submit', request, 'mutation');
    if (!submitted.ok) throw new Error(submitted.error.en);
    receipt = submitted.data;
    withdraw = async () => {
      const answer = await trpcCall<typeof receipt>(server.base, headers, 'bidding.withdraw', signedWithdraw(cert, { sectionId: section.id, organisationId: me.data.organisationId }), 'mutation');
      if (!answer.ok) throw new Error(answer.error.en);
      return answer.data;
    };
    receiptFile = join(dir, 'receipt.json');
    await writeFile(receiptFile, JSON.stringify(receipt, null, 2));
  });
  afterAll(async () => {
    await server?.close();
    await p?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('the receipt carries the checkpoint that first included its entry, and the inclusion proof under it', async () => {
    const logKey = parseVerifierKey(p.services.signer.verifierKey);
    const checkpoint = openCheckpoint(receipt.inclusion!.checkpoint, logKey);
    expect(checkpoint.size).toBeGreaterThan(receipt.body.traceIndex);
    expect(verifyInclusion(receipt.body.traceIndex, checkpoint.size, fromHex(receipt.inclusion!.leafHash), receipt.inclusion!.proof.map(fromHex), checkpoint.root)).toBe(true);
    // Rebuilt later (bidding.receipt), it is the same bytes, checkpoint and proof included.
    const again = await trpcCall<typeof receipt>(server.base, await signInOverHttp(server.base, 'bidder1'), 'bidding.receipt', { submissionId: receipt.body.submissionId }, 'query');
    expect(again).toEqual({ ok: true, data: receipt });
    // Offline, with the keys pinned: signature, checkpoint signature and inclusion.
    const keyFile = join(dir, 'receipt-key.json');
    await writeFile(keyFile, JSON.stringify({ keyId: p.services.receiptSigner.keyId, publicKey: Buffer.from(p.services.receiptSigner.publicKey).toString('base64') }));
    const offline = await ggzy('verify-receipt', receiptFile, '--key', keyFile, '--log-key', p.services.signer.verifierKey);
    expect(offline, offline.stderr).toMatchObject({ code: 0, stdout: expect.stringContaining(`✓ 回执所附检查点（规模 ${checkpoint.size}）签名有效`) });
  });

  it('verifies while the log grows, and fails once the owner rewrote the history below it and the platform re-signed it', async () => {
    const own = checkpointSize(receipt);
    const first = await ggzy('verify-receipt', receiptFile, '--api', server.base, '--user', 'bidder1');
    expect(first, first.stderr).toMatchObject({ code: 0 });
    expect(first.stdout).toMatch(new RegExp(`✓ 当前日志（规模 \\d+）延续回执中的检查点（规模 ${own}）`));
    expect(first.stdout).toContain('✓ 该记录即本次递交');
    // More history (the verifications above were traced), signed: still a prefix.
    await p.services.sequenceNow();
    const later = await ggzy('verify-receipt', receiptFile, '--api', server.base);
    expect(later.stdout).toMatch(/✓ 当前日志（规模 \d+）延续回执中的检查点/);

    // The attack, as the database owner with the platform's checkpoint key untouched: an entry before
    // the bid left out, another blamed on someone else, and the whole log signed again by the sequencer.
    const db = p.services.db;
    const entries = await trpcCall<Array<{ seq: number; action: string }>>(server.base, await signInOverHttp(server.base, 'supervisor'), 'log.entries', { fromSeq: 0, limit: receipt.body.traceIndex }, 'query');
    if (!entries.ok) throw new Error(entries.error.en);
    const login = entries.data.find((e) => e.action === 'auth.login')!;
    await rewriteHistory(db, { drop: login.seq, blame: { seq: receipt.body.traceIndex - 1, actorName: 'someone else' } });
    await p.services.sequenceNow();
    const after = await ggzy('verify-receipt', receiptFile, '--api', server.base);
    expect(after.code).toBe(1);
    expect(after.stdout).toContain('✓ 回执签名有效');
    expect(after.stderr).toMatch(new RegExp(`✗ 当前日志（规模 \\d+）不延续回执中的检查点（规模 ${own}）：日志的历史已被改写 / the log served now \\(size \\d+\\) does not extend the receipt's checkpoint`));
    // The platform now serves a receipt with a fresh checkpoint; the one the bidder holds is the witness.
    const served = await trpcCall<typeof receipt>(server.base, await signInOverHttp(server.base, 'bidder1'), 'bidding.receipt', { submissionId: receipt.body.submissionId }, 'query');
    expect(served.ok && served.data.inclusion?.checkpoint).not.toBe(receipt.inclusion!.checkpoint);
  });

  it('fails for a receipt whose checkpoint is larger than the log served now (cut back)', async () => {
    // A withdrawal receipted on the log as it is now, then the log set back below its checkpoint.
    const withdrawal = await withdraw();
    const file = join(dir, 'withdrawal.json');
    await writeFile(file, JSON.stringify(withdrawal));
    expect((await ggzy('verify-receipt', file, '--api', server.base)).code).toBe(0);
    const checkpoints = await trpcCall<Array<{ size: number }>>(server.base, {}, 'log.checkpoints', { fromSize: 1, limit: 1 }, 'query');
    if (!checkpoints.ok) throw new Error(checkpoints.error.en);
    expect(checkpoints.data[0]!.size).toBeLessThan(checkpointSize(withdrawal));
    await truncateHistory(p.services.db, checkpoints.data[0]!.size);
    const cut = await ggzy('verify-receipt', file, '--api', server.base);
    expect(cut.code).toBe(1);
    expect(cut.stderr).toMatch(/不延续回执中的检查点.*the log is shorter/);
  });
});

function checkpointSize(r: { inclusion?: { checkpoint: string } }): number {
  return Number(r.inclusion!.checkpoint.split('\n')[1]);
}
