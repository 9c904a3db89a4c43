/**
 * `hall.handOverKey` (docs/opening-hall.md §3, DESIGN.md §4): the bidder hands over only the bare
 * content key it unwrapped locally. The server checks the header binding again (sealed-bids.md §4.1),
 * streams the stored envelope from the object store through `openEnvelope` with the bare key (every
 * chunk's tag, the key commitment and the salted commitment: envelope.md §5), compares the envelope's
 * digest with the bidder's receipt, writes the plaintext bundle under `opened/` (read only by the
 * evaluation and the supervisor), reads the opening schedule and reads the row out (唱标).
 * A key handed over again is applied once.
 */
import { appendTrace } from '@ggzy/audit';
import { EnvelopeError, readEnvelopeHeader, unwrapEnvelopeContentKey, type EnvelopeHeader, type OpeningKey } from '@ggzy/crypto';
import { nodeBackend } from '@ggzy/crypto/node';
import { and, bidDecryption, bidSubmission, certificate, eq, executeRows, openingRecordRow, organisation, sql, type Database } from '@ggzy/db';
import { AppError, BidBundleError } from '@ggzy/domain';
import type { ObjectStore } from '@ggzy/storage';
import { createHash } from 'node:crypto';
import { actorOf, type RequestInfo, type SessionAccount } from '../context';
import { markTraced } from '../refusals';
import { bindingRefusal, bindingWorld, headerFactsOf } from '../bidding/envelope-binding';
import { certificateAlgorithmOfSuite } from '../bidding/sealing-info';
import { bidObjectKey } from '../bidding/uploads';
import { assertHallState, assertNotPaused, hallRefusal, loadHall, requireHallBidder, type HallSection } from './access';
import { openBidOffThread } from './decrypt-pool';
import { publishHall } from './events';
import { nextPosition, publicRow, settleIfComplete } from './record';
import { discardPendingShares } from './recovery';
import type { Opened } from './open-bid';

export type { Opened } from './open-bid';

/** Where an opened bid's plaintext bundle lives: only the evaluation and the supervisor read it. */
export const plaintextObjectKey = (sectionId: string, organisationId: string) => `opened/${sectionId}/${organisationId}`;

interface Call {
  db: Database;
  store: ObjectStore;
  request: RequestInfo;
  account: SessionAccount;
  sectionId: string;
  contentKey: Uint8Array;
  /** The company whose bid this key is for, if the client names it: only the caller's own. */
  organisationId?: string | undefined;
}

/** A `decrypting` mark older than this was left by a process that stopped; a new hand-over takes it over. */
export const STALE_DECRYPTION_MINUTES = 10;

const keyDigest = (key: Uint8Array) => createHash('sha256').update(key).digest('hex');

function windowClosed() {
  return hallRefusal('RULE_VIOLATION', 'window-closed', '解密时间已结束，不能再提交解密密钥；未解密的投标文件由主持人依法处理', 'The decryption window has closed; no key is taken any more, and bids still sealed are decided by the host');
}

/** Step 1, under the hall lock: may this key be applied now? Marks the bid `decrypting`. */
async function claim(call: Call) {
  return call.db.transaction(async (tx) => {
    const { hall, section } = await loadHall(tx, call.sectionId, { lock: true });
    const own = await requireHallBidder(tx, call.sectionId, call.account);
    if (call.organisationId && call.organisationId !== own.organisationId) {
      throw hallRefusal('PERMISSION_DENIED', 'not-your-bid', '只能解密本单位的投标文件', 'You can decrypt only your own company’s bid');
    }
    assertNotPaused(hall);
    assertHallState(hall, ['decrypting'], { zh: '提交解密密钥（主持人尚未开始解密，或解密已结束）', en: 'hand over a key (the host has not started the decryption, or it is over)' });
    const [{ open: windowOpen }] = (await executeRows<{ open: boolean }>(tx, sql`select now() < ${hall.decryptionEndsAt?.toISOString() ?? null}::timestamptz as open`)) as [{ open: boolean }];
    if (!windowOpen) throw windowClosed();
    const digest = keyDigest(call.contentKey);
    if (own.state === 'decrypted' || own.state === 'recovered') {
      if (own.keySha256 === digest) return { done: true as const, state: own.state, section, own };
      throw hallRefusal('CONFLICT', 'already-decrypted', '本单位的投标文件已解密成功，无需再次解密', 'Your bid is already decrypted; there is nothing more to do');
    }
    if (own.state === 'decrypting') {
      // A decryption another request is running. One left behind by a process that died mid-way
      // (older than STALE_DECRYPTION_MINUTES) is taken over.
      const [{ stale }] = (await executeRows<{ stale: boolean }>(tx, sql`select coalesce(${own.handedOverAt?.toISOString() ?? null}::timestamptz < now() - make_interval(mins => ${STALE_DECRYPTION_MINUTES}), true) as stale`)) as [{ stale: boolean }];
      if (!stale) return { done: true as const, state: own.state, section, own };
    }
    if (own.state === 'revoked' || own.state === 'withdrawn') {
      throw hallRefusal('CONFLICT', 'decided', `主持人已将本单位的投标记录为${own.state === 'revoked' ? '撤销' : '撤回'}（${own.reason ?? ''}），不能再解密`, `The host has recorded your bid as ${own.state} (${own.reason ?? ''}); it can no longer be decrypted`);
    }
    const [signedIn] = await executeRows<{ n: number }>(tx, sql`select count(*)::int as n from hall_attendance where section_id = ${call.sectionId} and organisation_id = ${own.organisationId}`);
    if (!signedIn?.n) throw hallRefusal('RULE_VIOLATION', 'not-signed-in', '请先用数字证书签到，再提交解密密钥', 'Sign in with your certificate first, then hand over the key');
    await tx
      .update(bidDecryption)
      .set({ state: 'decrypting', handedOverAt: sql`now()`, keySha256: digest, attempts: sql`${bidDecryption.attempts} + 1`, reason: null, updatedAt: sql`now()` })
      .where(and(eq(bidDecryption.sectionId, call.sectionId), eq(bidDecryption.organisationId, own.organisationId)));
    await appendTrace(tx, actorOf(call.request, call.account), { action: 'hall.key.handOver', targetType: 'section', targetId: call.sectionId, details: { organisation: own.organisationId } });
    await publishHall(tx, call.sectionId, 'bid.decrypting', { organisationId: own.organisationId });
    return { done: false as const, state: 'decrypting' as const, section, own };
  });
}

/**
 * What `decrypt` opens and with which key: the bidder's bare content key (hand-over) or the opening
 * key rebuilt by the custodians (recovery.ts, `{ privateKey }`); `organisationId` is the bid's company.
 */
export interface DecryptTarget {
  db: Database;
  store: ObjectStore;
  key: OpeningKey;
  organisationId: string;
}

/**
 * Step 2, outside any transaction: decrypt from the store, check, validate the bundle, store the
 * plaintext, all of it on a worker thread (decrypt-pool.ts, open-bid.ts) while this thread answers
 * everyone else.
 */
export async function decrypt(call: DecryptTarget, section: HallSection, submission: { uploadId: string; accountId: string }): Promise<Opened> {
  const envelopeKey = bidObjectKey(section.id, submission.uploadId);
  // The header binding again, before any plaintext: nothing opened can belong to another section or company.
  const { header, headerSha256 } = await readEnvelopeHeader((await call.store.get(envelopeKey)) as AsyncIterable<Uint8Array>);
  const world = await bindingWorld(call.db, { sectionId: section.id, organisationId: call.organisationId, accountId: submission.accountId }, section);
  // A certificate revoked or replaced since the submit still names the bid's recipient.
  const keys = await call.db.select({ keyId: certificate.keyId }).from(certificate).where(and(eq(certificate.accountId, submission.accountId), eq(certificate.algorithm, certificateAlgorithmOfSuite(section.envelopeSuite))));
  const refused = bindingRefusal(headerFactsOf(header), { ...world, bidderKeyIds: new Set([...world.bidderKeyIds, ...keys.map((k) => k.keyId.toLowerCase())]) });
  if (refused) throw refused;
  return openAndStore(call, section, envelopeKey, header, headerSha256);
}

async function openAndStore(call: DecryptTarget, section: HallSection, envelopeKey: string, header: EnvelopeHeader, headerSha256: string): Promise<Opened> {
  // The custodians' rebuilt opening key (recovery.ts) unwraps the content key here; the bidder hands over the content key itself.
  const contentKey = 'contentKey' in call.key ? call.key.contentKey.slice() : await unwrapEnvelopeContentKey(header, call.key.privateKey, call.key.keyId, nodeBackend);
  try {
    return await openBidOffThread(call.store, { envelopeKey, plaintextKey: plaintextObjectKey(section.id, call.organisationId), contentKey, headerSha256 });
  } finally {
    contentKey.fill(0);
  }
}

function failureOf(error: unknown): AppError {
  if (error instanceof AppError) return error;
  if (error instanceof EnvelopeError) {
    if (error.code === 'wrong-key' || error.code === 'invalid-input') {
      return hallRefusal('RULE_VIOLATION', 'wrong-key', '该内容密钥打不开本单位的投标文件：请用密封时所用的数字证书重新解出内容密钥后再提交（解密时间内可以重试）', 'This content key does not open your bid: unwrap it again with the certificate you sealed with and hand it over again (you may retry within the window)');
    }
    return hallRefusal('RULE_VIOLATION', `envelope-${error.code}`, `投标文件解密校验失败（${error.code}）：文件已损坏或被篡改，请联系主持人`, `The bid failed its check while decrypting (${error.code}): it is damaged or was altered; contact the host`);
  }
  if (error instanceof BidBundleError) {
    return hallRefusal('RULE_VIOLATION', 'bad-bundle', `投标文件已解密，但不是有效的投标文件包，无法读取开标一览表（${error.zh}）`, `The bid decrypted, but it is not a valid bid bundle and its opening schedule cannot be read (${error.en})`);
  }
  // Anything else (the store unreachable, a bug): the bid must not stay `decrypting`; the bidder retries.
  return hallRefusal('RULE_VIOLATION', 'internal', '解密时服务器出错，请稍后重新提交内容密钥', 'The server failed while decrypting; hand the key over again shortly');
}

export async function handOverKey(call: Call) {
  const claimed = await claim(call);
  if (claimed.done) return { state: claimed.state, already: true };
  const { section, own } = claimed;
  const [submission] = await call.db.select().from(bidSubmission).where(eq(bidSubmission.id, own.submissionId));
  let opened: Opened;
  try {
    opened = await decrypt({ db: call.db, store: call.store, key: { contentKey: call.contentKey }, organisationId: own.organisationId }, section, { uploadId: submission!.uploadId!, accountId: submission!.accountId });
  } catch (error) {
    const refusal = failureOf(error);
    await call.db.transaction(async (tx) => {
      await loadHall(tx, call.sectionId, { lock: true });
      await tx
        .update(bidDecryption)
        .set({ state: 'failed', reason: String(refusal.details.reason), keySha256: null, updatedAt: sql`now()` })
        .where(and(eq(bidDecryption.sectionId, call.sectionId), eq(bidDecryption.organisationId, own.organisationId), eq(bidDecryption.state, 'decrypting')));
      await appendTrace(tx, actorOf(call.request, call.account), { action: 'hall.decrypt', outcome: 'failed', targetType: 'section', targetId: call.sectionId, details: { organisation: own.organisationId, reason: String(refusal.details.reason) } });
      await publishHall(tx, call.sectionId, 'bid.failed', { organisationId: own.organisationId, reason: refusal.details.reason });
    });
    throw markTraced(refusal);
  } finally {
    call.contentKey.fill(0);
  }
  return call.db.transaction(async (tx) => {
    await loadHall(tx, call.sectionId, { lock: true });
    const [company] = await tx.select({ name: organisation.name, creditCode: organisation.creditCode }).from(organisation).where(eq(organisation.id, own.organisationId));
    const matchesReceipt = opened.envelopeSha256 === submission!.ciphertextSha256;
    await tx
      .update(bidDecryption)
      .set({ state: 'decrypted', plaintextKey: plaintextObjectKey(call.sectionId, own.organisationId), plaintextSha256: opened.plaintextSha256, plaintextBytes: opened.plaintextBytes, matchesReceipt, updatedAt: sql`now()` })
      .where(and(eq(bidDecryption.sectionId, call.sectionId), eq(bidDecryption.organisationId, own.organisationId)));
    const [row] = await tx
      .insert(openingRecordRow)
      .values({
        sectionId: call.sectionId,
        position: await nextPosition(tx, call.sectionId),
        organisationId: own.organisationId,
        companyName: company!.name,
        creditCode: company!.creditCode,
        outcome: 'decrypted',
        priceFen: opened.schedule.priceFen,
        durationDays: opened.schedule.durationDays,
        quality: opened.schedule.quality,
        bondReference: opened.schedule.bondReference,
        ciphertextSha256: submission!.ciphertextSha256,
        matchesReceipt,
      })
      .returning();
    await appendTrace(tx, actorOf(call.request, call.account), {
      action: 'hall.decrypt',
      targetType: 'section',
      targetId: call.sectionId,
      digests: { ciphertext: opened.envelopeSha256, plaintext: opened.plaintextSha256 },
      details: { organisation: own.organisationId, matchesReceipt: String(matchesReceipt), plaintextKey: plaintextObjectKey(call.sectionId, own.organisationId), bytes: String(opened.plaintextBytes) },
    });
    // Custodian shares submitted meanwhile for this bid are of no use any more (recovery.ts).
    await discardPendingShares(tx, call.sectionId, own.organisationId);
    await publishHall(tx, call.sectionId, 'bid.decrypted', { organisationId: own.organisationId, matchesReceipt });
    await publishHall(tx, call.sectionId, 'record.row', { row: publicRow(row!) });
    await settleIfComplete(tx, call.sectionId);
    return { state: 'decrypted' as const, already: false, row: publicRow(row!) };
  });
}

