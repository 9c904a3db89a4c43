/**
 * Custodian recovery of a bid (docs/opening-hall.md §9, docs/decisions/016-custodian-recovery.md,
 * DESIGN.md §4): where the section has custodians and a bidder cannot open its own bid, k of them
 * each fetch their sealed share (`hall.shares`), open it locally with their certificate's key, and
 * submit the plain share, signed with their current certificate (`hall.submitShare`), only after the
 * deadline. Shares are collected per bid. At most k − 1 plain shares are ever stored
 * (`hall_recovery_share`, which reveals nothing of the key); the transaction that receives the k-th
 * reads and deletes the others and rebuilds the opening key in memory, proved against the published
 * public half. The bid is then decrypted through the hand-over's streaming path with the rebuilt key,
 * marked `recovered` and read out; the key is forgotten (an SM2 key's `d` zeroed; an RSA key is a
 * non-extractable WebCrypto key dropped with its last reference).
 */
import { appendTrace } from '@ggzy/audit';
import { EnvelopeError, isSm2PrivateKey, OpeningKeyError, randomBytes, rebuildOpeningKey, sha256Hex, type RebuiltOpeningKey } from '@ggzy/crypto';
import { verifyMessageNode as verifyMessage } from '@ggzy/crypto/node';
import {
  account,
  and,
  bidDecryption,
  bidSubmission,
  eq,
  gt,
  hallChallenge,
  hallRecoveryShare,
  isNull,
  openingKey,
  openingKeyShare,
  openingRecordRow,
  organisation,
  section,
  sql,
  type Database,
} from '@ggzy/db';
import { AppError, BidBundleError } from '@ggzy/domain';
import type { ObjectStore } from '@ggzy/storage';
import canonicalize from 'canonicalize';
import { z } from 'zod';
import { requireValidCertificate, type Pki } from '../certificate/require-valid-certificate';
import { actorOf, type RequestInfo, type SessionAccount } from '../context';
import { markTraced } from '../refusals';
import { parseSignedMessage } from '../bidding/signed-message';
import { assertHallState, assertNotPaused, hallRefusal, loadHall } from './access';
import { publishHall } from './events';
import { decrypt, plaintextObjectKey, type Opened } from './hand-over';
import { nextPosition, publicRow, settleIfComplete } from './record';

export const SHARE_CONTEXT = 'ggzy-hall-share/v1';

const hex64 = z.string().regex(/^[0-9a-f]{64}$/);
const shareMessageSchema = z.strictObject({
  type: z.literal(SHARE_CONTEXT),
  sectionId: z.uuid(),
  /** The bid to recover. */
  organisationId: z.uuid(),
  /** The opening key's id (the `opening-key` metadata of the sealed share, = opening_key.key_id). */
  keyId: hex64,
  /** SHA-256 (hex) of the plain share submitted with the message. */
  shareSha256: hex64,
  challengeId: z.uuid(),
  challenge: z.string().min(16).max(200),
});
export type ShareMessage = Omit<z.infer<typeof shareMessageSchema>, 'type'>;

/** The exact text a custodian signs (context `ggzy-hall-share/v1`), for clients and tests. */
export const shareMessage = (fields: ShareMessage) => canonicalize({ type: SHARE_CONTEXT, ...fields })!;

/** How long a share challenge lasts: opening the share and signing take a moment longer than a sign-in. */
const CHALLENGE_MINUTES = 5;

interface Call {
  db: Database;
  request: RequestInfo;
  account: SessionAccount;
  sectionId: string;
}

/** The section, its opening key and the caller's own sealed share; refuses anyone who is not one of its custodians. */
async function requireCustodian(db: Database, sectionId: string, caller: SessionAccount) {
  const [row] = await db
    .select({
      id: section.id,
      custodianIds: section.custodianIds,
      threshold: section.custodianThreshold,
      beforeDeadline: sql<boolean>`clock_timestamp() < ${section.deadline}`,
      deadline: section.deadline,
    })
    .from(section)
    .where(eq(section.id, sectionId));
  if (!row) throw new AppError('NOT_FOUND', { zh: '没有这个标段', en: 'No such section' }, { reason: 'no-section' });
  if (!row.custodianIds.includes(caller.accountId)) {
    throw hallRefusal('PERMISSION_DENIED', 'not-custodian', '您不是本标段开标密钥的保管人，不能提交或查看保管份额', 'You are not a custodian of this section’s opening key, so you cannot fetch or submit a share of it');
  }
  if (row.beforeDeadline) {
    throw hallRefusal(
      'RULE_VIOLATION',
      'before-deadline',
      `投标截止时间（${row.deadline.toISOString()}）前不接受保管人份额：请在截止后开标大厅开启、投标人无法解密时再提交`,
      `Custodian shares are accepted only after the deadline (${row.deadline.toISOString()}): submit yours in the opening hall once a bidder cannot decrypt its bid`,
      { deadline: row.deadline.toISOString() },
    );
  }
  const [key] = await db.select().from(openingKey).where(eq(openingKey.sectionId, sectionId));
  const [share] = await db.select().from(openingKeyShare).where(and(eq(openingKeyShare.sectionId, sectionId), eq(openingKeyShare.custodianId, caller.accountId)));
  if (!key || !share) {
    throw hallRefusal('CONFLICT', 'no-opening-key', '本标段没有保管人开标密钥（或没有您的份额），无法由保管人恢复', 'This section has no custodian opening key (or no share of yours), so no bid can be recovered by custodians');
  }
  return { section: row, key, share };
}

/**
 * `hall.shares`: the caller's own sealed share of the section's opening key (only it can open it), a
 * fresh challenge for the signed submission, and the bids that may be recovered. Traced.
 */
export async function fetchShare(call: Call) {
  const { key, share } = await requireCustodian(call.db, call.sectionId, call.account);
  const { hall } = await loadHall(call.db, call.sectionId);
  assertHallState(hall, ['open', 'decrypting'], { zh: '领取保管份额', en: 'fetch a custodian share' });
  return call.db.transaction(async (tx) => {
    const challenge = randomBytes(32);
    const [row] = await tx
      .insert(hallChallenge)
      .values({ sectionId: call.sectionId, accountId: call.account.accountId, challenge, expiresAt: sql`now() + make_interval(mins => ${CHALLENGE_MINUTES})` })
      .returning({ id: hallChallenge.id, expiresAt: hallChallenge.expiresAt });
    const bids = await tx
      .select({ organisationId: bidDecryption.organisationId, name: organisation.name, state: bidDecryption.state })
      .from(bidDecryption)
      .innerJoin(organisation, eq(organisation.id, bidDecryption.organisationId))
      .where(eq(bidDecryption.sectionId, call.sectionId))
      .orderBy(organisation.name);
    await appendTrace(tx, actorOf(call.request, call.account), {
      action: 'hall.share.fetch',
      targetType: 'section',
      targetId: call.sectionId,
      digests: { sealedShare: sha256Hex(share.sealedShare) },
      details: { keyId: key.keyId, certificate: share.certificateId, challenge: row!.id },
    });
    return {
      sectionId: call.sectionId,
      keyId: key.keyId,
      suite: key.suite,
      threshold: key.threshold,
      custodianId: call.account.accountId,
      /** The certificate the share was sealed to: its private key opens it. */
      certificateId: share.certificateId,
      sealedShare: Buffer.from(share.sealedShare).toString('base64'),
      challengeId: row!.id,
      challenge: Buffer.from(challenge).toString('base64'),
      expiresAt: row!.expiresAt.toISOString(),
      bids: bids.map((b) => ({ ...b, recoverable: b.state === 'waiting' || b.state === 'failed' })),
    };
  });
}

const wrongShare = () =>
  hallRefusal(
    'INVALID_INPUT',
    'wrong-share',
    '该份额不是您为本标段开标密钥保管的份额（可能已损坏，或属于其他标段）：请用本人证书重新打开本标段的保管份额后再提交',
    'This is not the share you hold of this section’s opening key (it is damaged or belongs to another section): open your sealed share of this section again with your certificate and submit that',
  );

/** Shares for a bid the custodians cannot recover any more: it was opened or decided. */
export async function discardPendingShares(tx: Database, sectionId: string, organisationId: string): Promise<number> {
  const gone = await tx
    .delete(hallRecoveryShare)
    .where(and(eq(hallRecoveryShare.sectionId, sectionId), eq(hallRecoveryShare.organisationId, organisationId)))
    .returning({ custodianId: hallRecoveryShare.custodianId });
  return gone.length;
}

type Collected =
  | { kind: 'pending'; received: number; threshold: number; already: boolean }
  | { kind: 'refused'; refusal: AppError }
  | { kind: 'rebuilt'; key: RebuiltOpeningKey; custodians: Array<{ id: string; name: string }>; threshold: number };

/**
 * `hall.submitShare`: one custodian's plain share for one bid, signed. Returns `{ state: 'pending',
 * received, threshold }` until k have arrived; with the k-th, `{ state: 'recovered', row }`.
 */
export async function submitShare(
  call: Call & { store: ObjectStore; pki: Pki; organisationId: string; keyId: string; share: Uint8Array; message: string; signature: string; certificateId: string },
) {
  const { key, share: held } = await requireCustodian(call.db, call.sectionId, call.account);
  const shareSha256 = sha256Hex(call.share);
  let message: z.infer<typeof shareMessageSchema>;
  try {
    if (call.keyId !== key.keyId) {
      throw hallRefusal(
        'INVALID_INPUT',
        'share-of-another-key',
        '该份额属于其他开标密钥（其他标段），不是本标段的：请领取并打开本标段的保管份额',
        'This share belongs to another opening key (another section), not this section’s: fetch and open your share of this section',
        { keyId: key.keyId },
      );
    }
    const certificate = await requireValidCertificate(call.db, call.pki, { certificateId: call.certificateId, account: call.account, usage: 'signature' });
    const signature = new Uint8Array(Buffer.from(call.signature, 'base64'));
    if (signature.length === 0 || !verifyMessage(certificate.pem, SHARE_CONTEXT, new TextEncoder().encode(call.message), signature)) {
      throw hallRefusal('INVALID_INPUT', 'bad-signature', '份额签名验证失败：签名与提交消息或证书不符，请用您当前的数字证书重新签名', 'The share’s signature does not verify against the message and the certificate; sign again with your current certificate');
    }
    message = parseSignedMessage(call.message, shareMessageSchema);
    if (message.sectionId !== call.sectionId || message.organisationId !== call.organisationId || message.keyId !== key.keyId || message.shareSha256 !== shareSha256) {
      throw hallRefusal('INVALID_INPUT', 'wrong-message', '签名的消息所载标段、投标人、开标密钥或份额摘要与本次提交不符', 'The signed message names another section, bid, opening key or share digest than this submission');
    }
    if (held.shareSha256 && held.shareSha256 !== shareSha256) throw wrongShare();
  } catch (error) {
    if (error instanceof AppError) {
      await appendTrace(call.db, actorOf(call.request, call.account), {
        action: 'hall.share.submit',
        outcome: 'denied',
        targetType: 'section',
        targetId: call.sectionId,
        details: { organisation: call.organisationId, reason: String(error.details.reason ?? error.code) },
      });
      throw markTraced(error);
    }
    throw error;
  }

  const collected: Collected = await call.db.transaction(async (tx): Promise<Collected> => {
    const { hall } = await loadHall(tx, call.sectionId, { lock: true });
    assertNotPaused(hall);
    assertHallState(hall, ['decrypting'], { zh: '提交保管份额（主持人尚未开始解密，或全部投标已处理）', en: 'submit a custodian share (the host has not started the decryption, or every bid is settled)' });
    const [bid] = await tx.select().from(bidDecryption).where(and(eq(bidDecryption.sectionId, call.sectionId), eq(bidDecryption.organisationId, call.organisationId)));
    if (!bid) throw hallRefusal('NOT_FOUND', 'no-such-bid', '该单位在本标段没有投标，无需恢复', 'That company has no bid in this section; there is nothing to recover');
    if (bid.state === 'decrypted' || bid.state === 'recovered') {
      await discardPendingShares(tx, call.sectionId, call.organisationId);
      throw hallRefusal('CONFLICT', 'already-decrypted', '该投标文件已解密，无需保管人恢复，您的份额未被使用', 'That bid is already decrypted; no custodian recovery is needed and your share was not used');
    }
    if (bid.state === 'revoked' || bid.state === 'withdrawn') {
      await discardPendingShares(tx, call.sectionId, call.organisationId);
      throw hallRefusal('CONFLICT', 'decided', `主持人已将该投标记录为${bid.state === 'revoked' ? '撤销' : '撤回'}，不能再恢复`, `The host has recorded that bid as ${bid.state}; it can no longer be recovered`);
    }
    if (bid.state === 'decrypting') {
      throw hallRefusal('CONFLICT', 'bid-decrypting', '该投标文件正在解密中，请稍候查看结果；若解密失败可再提交份额', 'That bid is being decrypted right now; wait for the result, and submit your share if it fails');
    }
    const pending = await tx
      .select({ custodianId: hallRecoveryShare.custodianId, share: hallRecoveryShare.share, name: account.displayName })
      .from(hallRecoveryShare)
      .innerJoin(account, eq(account.id, hallRecoveryShare.custodianId))
      .where(and(eq(hallRecoveryShare.sectionId, call.sectionId), eq(hallRecoveryShare.organisationId, call.organisationId)));
    if (pending.some((p) => p.custodianId === call.account.accountId)) {
      // The same custodian again counts once.
      return { kind: 'pending', received: pending.length, threshold: key.threshold, already: true };
    }
    const [claimed] = await tx
      .update(hallChallenge)
      .set({ usedAt: sql`now()` })
      .where(and(eq(hallChallenge.id, message.challengeId), eq(hallChallenge.accountId, call.account.accountId), eq(hallChallenge.sectionId, call.sectionId), isNull(hallChallenge.usedAt), gt(hallChallenge.expiresAt, sql`now()`)))
      .returning({ challenge: hallChallenge.challenge });
    if (!claimed || Buffer.from(claimed.challenge).toString('base64') !== message.challenge) {
      throw hallRefusal('INVALID_INPUT', 'challenge', `份额提交的挑战无效、已使用或已过期（有效期 ${CHALLENGE_MINUTES} 分钟），请重新领取份额后再签名`, `The share challenge is unknown, used or expired (it lasts ${CHALLENGE_MINUTES} minutes); fetch your share again and sign again`);
    }
    const received = pending.length + 1;
    const actor = actorOf(call.request, call.account);
    await appendTrace(tx, actor, {
      action: 'hall.share.submit',
      targetType: 'section',
      targetId: call.sectionId,
      digests: { share: shareSha256, signature: sha256Hex(new Uint8Array(Buffer.from(call.signature, 'base64'))) },
      details: { organisation: call.organisationId, keyId: key.keyId, certificate: call.certificateId, challenge: message.challengeId, received: String(received), threshold: String(key.threshold) },
    });
    await publishHall(tx, call.sectionId, 'bid.shareSubmitted', { organisationId: call.organisationId, custodianId: call.account.accountId, custodianName: call.account.displayName, received, threshold: key.threshold });
    if (received < key.threshold) {
      await tx.insert(hallRecoveryShare).values({
        sectionId: call.sectionId,
        organisationId: call.organisationId,
        custodianId: call.account.accountId,
        certificateId: call.certificateId,
        share: call.share,
        shareSha256,
        signedMessage: call.message,
        signature: new Uint8Array(Buffer.from(call.signature, 'base64')),
      });
      call.share.fill(0);
      return { kind: 'pending', received, threshold: key.threshold, already: false };
    }
    // The k-th share: it is never written; the others leave the table in this very transaction.
    await discardPendingShares(tx, call.sectionId, call.organisationId);
    const custodians = [...pending.map((p) => ({ id: p.custodianId, name: p.name })), { id: call.account.accountId, name: call.account.displayName }];
    const shares = [...pending.map((p) => p.share), call.share];
    let rebuilt: RebuiltOpeningKey;
    try {
      rebuilt = await rebuildOpeningKey({ suite: key.suite, publicKeySpki: key.publicKeySpki, threshold: key.threshold, shares });
    } catch (error) {
      if (!(error instanceof OpeningKeyError)) throw error;
      await appendTrace(tx, actor, {
        action: 'hall.recover',
        outcome: 'failed',
        targetType: 'section',
        targetId: call.sectionId,
        details: { organisation: call.organisationId, reason: 'wrong-share', code: error.code, custodians: custodians.map((c) => c.id).join(',') },
      });
      await publishHall(tx, call.sectionId, 'bid.recoveryFailed', { organisationId: call.organisationId, reason: 'wrong-share', custodians: custodians.map((c) => c.name) });
      return {
        kind: 'refused',
        refusal: hallRefusal(
          'RULE_VIOLATION',
          'wrong-share',
          '提交的份额不能重建本标段的开标密钥（其中有错误的份额）：已提交的份额全部作废，请各保管人重新打开本标段的份额后再提交',
          'The shares submitted do not rebuild this section’s opening key (one of them is wrong): every pending share was discarded; each custodian must open this section’s share again and submit it',
        ),
      };
    } finally {
      for (const s of shares) s.fill(0);
    }
    await tx
      .update(bidDecryption)
      .set({ state: 'decrypting', handedOverAt: sql`now()`, keySha256: null, attempts: sql`${bidDecryption.attempts} + 1`, reason: null, updatedAt: sql`now()` })
      .where(and(eq(bidDecryption.sectionId, call.sectionId), eq(bidDecryption.organisationId, call.organisationId)));
    await publishHall(tx, call.sectionId, 'bid.decrypting', { organisationId: call.organisationId });
    return { kind: 'rebuilt', key: rebuilt, custodians, threshold: key.threshold };
  });

  if (collected.kind === 'pending') return { state: 'pending' as const, received: collected.received, threshold: collected.threshold, already: collected.already };
  if (collected.kind === 'refused') throw markTraced(collected.refusal);
  return recover(call, collected);
}

function failureOf(error: unknown): AppError {
  if (error instanceof AppError) return error;
  if (error instanceof EnvelopeError) {
    return hallRefusal(
      'RULE_VIOLATION',
      error.code === 'wrong-key' ? 'recovery-not-addressed' : `envelope-${error.code}`,
      error.code === 'wrong-key'
        ? '开标密钥已重建，但该投标文件未加密给本标段的开标密钥，无法由保管人恢复；请主持人依法处理'
        : `投标文件解密校验失败（${error.code}）：文件已损坏或被篡改，请主持人依法处理`,
      error.code === 'wrong-key'
        ? 'The opening key was rebuilt, but this bid is not sealed to it, so custodians cannot recover it; the host decides it'
        : `The bid failed its check while decrypting (${error.code}): it is damaged or was altered; the host decides it`,
    );
  }
  if (error instanceof BidBundleError) {
    return hallRefusal('RULE_VIOLATION', 'bad-bundle', `投标文件已解密，但不是有效的投标文件包，无法读取开标一览表（${error.zh}）`, `The bid decrypted, but it is not a valid bid bundle and its opening schedule cannot be read (${error.en})`);
  }
  return hallRefusal('RULE_VIOLATION', 'internal', '恢复解密时服务器出错，请各保管人稍后重新提交份额', 'The server failed while decrypting the recovered bid; the custodians submit their shares again shortly');
}

/** With the rebuilt key: decrypt the bid as a hand-over would, read the row out as `recovered`, forget the key. */
async function recover(call: Parameters<typeof submitShare>[0], rebuilt: Extract<Collected, { kind: 'rebuilt' }>) {
  const { section } = await loadHall(call.db, call.sectionId);
  const [bid] = await call.db.select().from(bidDecryption).where(and(eq(bidDecryption.sectionId, call.sectionId), eq(bidDecryption.organisationId, call.organisationId)));
  const [submission] = await call.db.select().from(bidSubmission).where(eq(bidSubmission.id, bid!.submissionId));
  const custodianIds = rebuilt.custodians.map((c) => c.id).join(',');
  let opened: Opened;
  try {
    opened = await decrypt(
      { db: call.db, store: call.store, key: { privateKey: rebuilt.key.privateKey, keyId: new Uint8Array(Buffer.from(rebuilt.key.keyId, 'hex')) }, organisationId: call.organisationId },
      section,
      { uploadId: submission!.uploadId!, accountId: submission!.accountId },
    );
  } catch (error) {
    const refusal = failureOf(error);
    await call.db.transaction(async (tx) => {
      await loadHall(tx, call.sectionId, { lock: true });
      await tx
        .update(bidDecryption)
        .set({ state: 'failed', reason: String(refusal.details.reason), updatedAt: sql`now()` })
        .where(and(eq(bidDecryption.sectionId, call.sectionId), eq(bidDecryption.organisationId, call.organisationId), eq(bidDecryption.state, 'decrypting')));
      await appendTrace(tx, actorOf(call.request, call.account), {
        action: 'hall.recover',
        outcome: 'failed',
        targetType: 'section',
        targetId: call.sectionId,
        details: { organisation: call.organisationId, reason: String(refusal.details.reason), custodians: custodianIds },
      });
      await publishHall(tx, call.sectionId, 'bid.failed', { organisationId: call.organisationId, reason: refusal.details.reason });
    });
    throw markTraced(refusal);
  } finally {
    // Forget the key: an SM2 key's scalar is zeroed; a WebCrypto key is non-extractable and goes with this reference.
    if (isSm2PrivateKey(rebuilt.key.privateKey)) rebuilt.key.privateKey.d.fill(0);
    (rebuilt as { key: unknown }).key = null;
  }
  return call.db.transaction(async (tx) => {
    await loadHall(tx, call.sectionId, { lock: true });
    const [company] = await tx.select({ name: organisation.name, creditCode: organisation.creditCode }).from(organisation).where(eq(organisation.id, call.organisationId));
    const matchesReceipt = opened.envelopeSha256 === submission!.ciphertextSha256;
    await tx
      .update(bidDecryption)
      .set({ state: 'recovered', plaintextKey: plaintextObjectKey(call.sectionId, call.organisationId), plaintextSha256: opened.plaintextSha256, plaintextBytes: opened.plaintextBytes, matchesReceipt, reason: null, updatedAt: sql`now()` })
      .where(and(eq(bidDecryption.sectionId, call.sectionId), eq(bidDecryption.organisationId, call.organisationId)));
    const [row] = await tx
      .insert(openingRecordRow)
      .values({
        sectionId: call.sectionId,
        position: await nextPosition(tx, call.sectionId),
        organisationId: call.organisationId,
        companyName: company!.name,
        creditCode: company!.creditCode,
        outcome: 'recovered',
        priceFen: opened.schedule.priceFen,
        durationDays: opened.schedule.durationDays,
        quality: opened.schedule.quality,
        bondReference: opened.schedule.bondReference,
        ciphertextSha256: submission!.ciphertextSha256,
        matchesReceipt,
        reason: `保管人恢复 / recovered by custodians: ${rebuilt.custodians.map((c) => c.name).join('、')}`,
      })
      .returning();
    await appendTrace(tx, actorOf(call.request, call.account), {
      action: 'hall.recover',
      targetType: 'section',
      targetId: call.sectionId,
      digests: { ciphertext: opened.envelopeSha256, plaintext: opened.plaintextSha256 },
      details: {
        organisation: call.organisationId,
        custodians: custodianIds,
        custodianNames: rebuilt.custodians.map((c) => c.name).join('、'),
        threshold: String(rebuilt.threshold),
        matchesReceipt: String(matchesReceipt),
        plaintextKey: plaintextObjectKey(call.sectionId, call.organisationId),
        bytes: String(opened.plaintextBytes),
      },
    });
    await publishHall(tx, call.sectionId, 'bid.recovered', { organisationId: call.organisationId, matchesReceipt, custodians: rebuilt.custodians.map((c) => ({ id: c.id, name: c.name })) });
    await publishHall(tx, call.sectionId, 'record.row', { row: publicRow(row!) });
    await settleIfComplete(tx, call.sectionId);
    return { state: 'recovered' as const, received: rebuilt.threshold, threshold: rebuilt.threshold, already: false, row: publicRow(row!) };
  });
}
