/**
 * `ggzy verify-receipt` (docs/sealed-bids.md §6). A receipt is the platform's signed word that a bid
 * arrived: Ed25519 over `"ggzy-receipt/v1\n" ‖ JCS(body)`. Offline, the signature is checked against
 * a pinned key, and the checkpoint the receipt carries (the one that first included its entry) with
 * the entry's inclusion proof. Online, also the trace log: the log served now must extend that
 * checkpoint (a consistency proof), so every receipt held by a bidder witnesses the log's past
 * (docs/decisions/009-receipts-as-witnesses.md); and the entry at `traceIndex` must be included in
 * the latest signed checkpoint and, when it can be read, be this very submission.
 */
import { openCheckpoint, parseVerifierKey, type OpenedCheckpoint, type VerifierKey } from '@ggzy/audit/checkpoint';
import { leafHashOfEntry } from '@ggzy/audit/leaf';
import { equalHashes, fromHex, toHex, verifyConsistency, verifyInclusion } from '@ggzy/audit/merkle';
import { ed25519 } from '@noble/curves/ed25519.js';
import canonicalize from 'canonicalize';
import { createHash } from 'node:crypto';
import { TRPCClientError } from '@trpc/client';
import type { z } from 'zod';
import { consistencyProof, inclusionProof, logStatus, receipt as receiptSchema, receiptKey, traceEntries, type Receipt, type ReceiptKey } from './contract';
import { CliError } from './errors';
import type { Session } from './session';

export const RECEIPT_CONTEXT = 'ggzy-receipt/v1';

/** The signed bytes. The body is canonicalised as it stands in the file, unknown fields included. */
export function receiptSigningBytes(body: unknown): Uint8Array {
  const text = canonicalize(body);
  if (text === undefined) throw new CliError('回执内容无法规范化 / the receipt body cannot be canonicalised');
  return new TextEncoder().encode(`${RECEIPT_CONTEXT}\n${text}`);
}

/** A receipt as read from a file: its shape checked, its raw body kept for the signature. */
export function parseReceipt(value: unknown): { receipt: Receipt; rawBody: unknown } {
  const parsed = receiptSchema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new CliError(`回执格式不对（${issue.path.join('.')}）/ the receipt is malformed (${issue.path.join('.')}: ${issue.message})`);
  }
  return { receipt: parsed.data, rawBody: (value as { body: unknown }).body };
}

export function parseReceiptKey(value: unknown): ReceiptKey {
  const parsed = receiptKey.safeParse(value);
  if (!parsed.success) throw new CliError('回执公钥格式不对，应为 { keyId, publicKey } / the receipt key is malformed: { keyId, publicKey } expected');
  const raw = Buffer.from(parsed.data.publicKey, 'base64');
  if (raw.length !== 32) throw new CliError('回执公钥应为 32 字节 Ed25519 公钥 / the receipt key is a 32-byte Ed25519 key');
  // The key id is SHA-256 of the raw key: a key file whose id does not match its key is refused.
  if (createHash('sha256').update(raw).digest('hex') !== parsed.data.keyId.toLowerCase()) {
    throw new CliError('回执公钥的标识与公钥不符 / the receipt key id is not the SHA-256 of the key');
  }
  return parsed.data;
}

/** Throws with the reason unless the receipt carries a valid signature by this key. */
export function verifyReceiptSignature(value: unknown, key: ReceiptKey): Receipt {
  const { receipt, rawBody } = parseReceipt(value);
  if (receipt.keyId.toLowerCase() !== key.keyId.toLowerCase()) {
    throw new CliError(`回执由另一把密钥（${receipt.keyId}）签名，而非 ${key.keyId} / the receipt names another signing key (${receipt.keyId}), not ${key.keyId}`);
  }
  let valid = false;
  try {
    valid = ed25519.verify(new Uint8Array(Buffer.from(receipt.signature, 'base64')), receiptSigningBytes(rawBody), new Uint8Array(Buffer.from(key.publicKey, 'base64')));
  } catch {
    valid = false;
  }
  if (!valid) throw new CliError('回执签名无效：内容被改动或不是该密钥签发 / the receipt signature does not verify: the receipt was altered or not signed by this key');
  return receipt;
}

/**
 * The checkpoint a receipt carries, its signature by the log key and the entry's inclusion proof
 * under it. Throws with the reason; null for a receipt without one (made before receipts carried it).
 */
export function verifyReceiptInclusion(receipt: Receipt, logKey: VerifierKey): OpenedCheckpoint | null {
  const inclusion = receipt.inclusion;
  if (!inclusion) return null;
  const index = receipt.body.traceIndex;
  let checkpoint: OpenedCheckpoint;
  try {
    checkpoint = openCheckpoint(inclusion.checkpoint, logKey, receipt.body.logOrigin);
  } catch (error) {
    throw new CliError(`回执所附的检查点未经所信任的日志密钥签名 / the checkpoint in the receipt is not signed by the trusted log key: ${(error as Error).message}`);
  }
  if (!verifyInclusion(index, checkpoint.size, fromHex(inclusion.leafHash), inclusion.proof.map(fromHex), checkpoint.root)) {
    throw new CliError(`回执所附的包含证明不成立：第 ${index} 条记录不在规模 ${checkpoint.size} 的检查点中 / the inclusion proof in the receipt does not verify: entry ${index} is not in the checkpoint of size ${checkpoint.size}`);
  }
  return checkpoint;
}

export interface OnlineReport {
  checkpointSize: number;
  /** Whether the entry itself was read and matched (needs an account allowed to read the trace log). */
  entryChecked: boolean;
  /** The receipt's own checkpoint (size) and the size of the log served now that was shown to extend it. */
  witnessed: { receiptSize: number; logSize: number } | null;
}

/**
 * The log served now must extend the receipt's checkpoint: its latest signed checkpoint is at least
 * as large, and a consistency proof from the receipt's size to it verifies against both roots. A
 * history rewritten below the receipt's checkpoint (an entry left out, edited or moved) fails here,
 * even when the platform's own key signed the rewritten log.
 */
async function checkLogExtends(session: Session, key: VerifierKey, origin: string, witnessed: OpenedCheckpoint, latestNote: string | undefined) {
  const rewritten = (size: number, why: string) =>
    new CliError(
      `当前日志（规模 ${size}）不延续回执中的检查点（规模 ${witnessed.size}）：日志的历史已被改写 / the log served now (size ${size}) does not extend the receipt's checkpoint (size ${witnessed.size}): its history was rewritten (${why})`,
    );
  if (latestNote === undefined) throw rewritten(0, 'the log has no signed checkpoint');
  let latest: OpenedCheckpoint;
  try {
    latest = openCheckpoint(latestNote, key, origin);
  } catch (error) {
    throw new CliError(`平台最新的检查点未经所信任的日志密钥签名 / the platform's latest checkpoint is not signed by the trusted log key: ${(error as Error).message}`);
  }
  if (latest.size < witnessed.size) throw rewritten(latest.size, 'the log is shorter: rolled back or cut');
  if (latest.size === witnessed.size) {
    if (!equalHashes(latest.root, witnessed.root)) throw rewritten(latest.size, 'another root at the same size');
    return latest;
  }
  let answer;
  try {
    answer = await session.query('log.consistencyProof', { size1: witnessed.size, size2: latest.size }, consistencyProof);
  } catch (error) {
    if (error instanceof TRPCClientError) throw rewritten(latest.size, `no consistency proof: ${error.message}`);
    throw error;
  }
  if (!verifyConsistency(witnessed.size, latest.size, witnessed.root, latest.root, answer.proof.map(fromHex))) {
    throw rewritten(latest.size, 'the consistency proof does not verify');
  }
  return latest;
}

/**
 * The receipt's trace entry against the log: an inclusion proof against a signed checkpoint (public),
 * then, if the session may read entries, the entry itself must be this submission's.
 */
export async function verifyReceiptInLog(session: Session, receipt: Receipt, options: { logKey?: string | undefined; canReadEntries: boolean }): Promise<OnlineReport> {
  const body = receipt.body;
  const status = await session.query('log.status', undefined, logStatus);
  const key = parseVerifierKey(options.logKey ?? status.verifierKey);
  if (status.origin !== body.logOrigin) {
    throw new CliError(`回执所指的日志（${body.logOrigin}）不是该平台的日志（${status.origin}）/ the receipt names another log (${body.logOrigin}) than this platform's (${status.origin})`);
  }
  // First the receipt as a witness: its own checkpoint, then the log served now extending it.
  const own = verifyReceiptInclusion(receipt, key);
  const witnessed = own ? { receiptSize: own.size, logSize: (await checkLogExtends(session, key, body.logOrigin, own, status.checkpoint?.note)).size } : null;
  let proof;
  try {
    proof = await session.query('log.inclusionProof', { index: body.traceIndex }, inclusionProof);
  } catch (error) {
    if (error instanceof TRPCClientError) {
      throw new CliError(`追溯日志中找不到第 ${body.traceIndex} 条记录或其签名检查点 / trace entry ${body.traceIndex} or a signed checkpoint covering it is missing: ${error.message}`);
    }
    throw error;
  }
  const checkpoint = openCheckpoint(proof.checkpoint.note, key, body.logOrigin);
  const leafHash = fromHex(proof.leafHash);
  if (proof.index !== body.traceIndex || !verifyInclusion(body.traceIndex, checkpoint.size, leafHash, proof.proof.map(fromHex), checkpoint.root)) {
    throw new CliError(`第 ${body.traceIndex} 条记录的包含证明不成立 / the inclusion proof of trace entry ${body.traceIndex} does not verify`);
  }
  if (!options.canReadEntries) return { checkpointSize: checkpoint.size, entryChecked: false, witnessed };

  // The bidder reads its own entry (bidding.traceEntry); the supervisor reads any (log.entries).
  let entry: Entry | undefined;
  try {
    [entry] = await session.query('bidding.traceEntry', { submissionId: body.submissionId }, traceEntries.element.transform((e) => [e]));
  } catch (error) {
    if (!(error instanceof TRPCClientError)) throw error;
    [entry] = await session.query('log.entries', { fromSeq: body.traceIndex, limit: 1 }, traceEntries);
  }
  if (!entry || entry.seq !== body.traceIndex) throw new CliError(`追溯日志中没有第 ${body.traceIndex} 条记录 / trace entry ${body.traceIndex} is missing`);
  if (!equalHashes(leafHashOfEntry(entry), leafHash)) {
    throw new CliError(`第 ${body.traceIndex} 条记录的内容与已签名的日志不符 / trace entry ${body.traceIndex} does not match the signed log (leaf ${toHex(leafHashOfEntry(entry))})`);
  }
  const problems = entryProblems(entry, body);
  if (problems.length > 0) {
    throw new CliError(`第 ${body.traceIndex} 条记录不是该回执所述的${body.kind === 'submit' ? '递交' : '撤回'} / trace entry ${body.traceIndex} is not this receipt's ${body.kind}: ${problems.join('; ')}`);
  }
  if (receipt.inclusion && receipt.inclusion.leafHash !== toHex(leafHashOfEntry(entry))) {
    throw new CliError(`第 ${body.traceIndex} 条记录与回执所附的叶哈希不符 / trace entry ${body.traceIndex} is not the leaf the receipt's checkpoint included`);
  }
  return { checkpointSize: checkpoint.size, entryChecked: true, witnessed };
}

type Entry = z.infer<typeof traceEntries>[number];

/** What ties a trace entry to a receipt; each mismatch named. */
export function entryProblems(entry: Entry, body: Receipt['body']): string[] {
  const problems: string[] = [];
  if (entry.action !== `bid.${body.kind}`) problems.push(`action ${entry.action}, expected bid.${body.kind}`);
  if (entry.outcome !== 'ok') problems.push(`outcome ${entry.outcome}`);
  if (entry.id !== body.traceEntryId) problems.push(`entry id ${entry.id}, expected ${body.traceEntryId}`);
  if (entry.organisationId !== body.organisationId) problems.push(`organisation ${entry.organisationId}, expected ${body.organisationId}`);
  // The platform writes bid.submit/bid.withdraw about the section, naming the submission in details.
  if (entry.targetType !== 'section' || entry.targetId !== body.sectionId) problems.push(`about ${entry.targetType}:${entry.targetId}, expected section:${body.sectionId}`);
  if (entry.details.submission !== body.submissionId) problems.push(`submission ${entry.details.submission ?? '(none)'}, expected ${body.submissionId}`);
  if ((entry.digests.ciphertextSha256 ?? null) !== body.ciphertextSha256) problems.push(`ciphertext digest ${entry.digests.ciphertextSha256 ?? '(none)'}, expected ${body.ciphertextSha256 ?? '(none)'}`);
  if (body.envelopeBytes !== null && entry.details.envelopeBytes !== String(body.envelopeBytes)) problems.push(`envelope size ${entry.details.envelopeBytes ?? '(none)'}, expected ${body.envelopeBytes}`);
  return problems;
}
