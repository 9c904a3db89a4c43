/**
 * Signing in to the hall (签到, docs/opening-hall.md §3): the server hands the bidder random bytes for
 * this section; the bidder signs the canonical JSON
 * `{ type: "ggzy-hall-sign-in/v1", sectionId, organisationId, challengeId, challenge }` with context
 * `ggzy-hall-sign-in/v1` (never the login context, so a sign-in cannot be replayed as a login). The
 * stored signature is the attendance record.
 */
import { appendTrace } from '@ggzy/audit';
import { randomBytes } from '@ggzy/crypto';
import { verifyMessageNode as verifyMessage } from '@ggzy/crypto/node';
import { and, eq, gt, hallAttendance, hallChallenge, isNull, sql, type Database } from '@ggzy/db';
import canonicalize from 'canonicalize';
import { z } from 'zod';
import { requireValidCertificate, type Pki } from '../certificate/require-valid-certificate';
import { actorOf, type RequestInfo, type SessionAccount } from '../context';
import { parseSignedMessage } from '../bidding/signed-message';
import { assertHallState, hallRefusal, loadHall, requireHallBidder } from './access';
import { publishHall } from './events';

export const SIGN_IN_CONTEXT = 'ggzy-hall-sign-in/v1';

const signInMessageSchema = z.strictObject({
  type: z.literal(SIGN_IN_CONTEXT),
  sectionId: z.uuid(),
  organisationId: z.uuid(),
  challengeId: z.uuid(),
  challenge: z.string().min(16).max(200),
});

/** The text a bidder signs to sign in (for clients and tests). */
export const signInMessage = (fields: Omit<z.infer<typeof signInMessageSchema>, 'type'>) => canonicalize({ type: SIGN_IN_CONTEXT, ...fields })!;

interface Call {
  db: Database;
  request: RequestInfo;
  account: SessionAccount;
  sectionId: string;
}

/** Not traced (it changes nothing anybody relies on); its use is. */
export async function createHallChallenge(call: Call) {
  const { hall } = await loadHall(call.db, call.sectionId);
  await requireHallBidder(call.db, call.sectionId, call.account);
  assertHallState(hall, ['open', 'decrypting'], { zh: '签到', en: 'sign in' });
  const challenge = randomBytes(32);
  const [row] = await call.db
    .insert(hallChallenge)
    .values({ sectionId: call.sectionId, accountId: call.account.accountId, challenge, expiresAt: sql`now() + interval '2 minutes'` })
    .returning({ id: hallChallenge.id, expiresAt: hallChallenge.expiresAt });
  const fields = { sectionId: call.sectionId, organisationId: call.account.organisationId!, challengeId: row!.id, challenge: Buffer.from(challenge).toString('base64') };
  return { ...fields, expiresAt: row!.expiresAt.toISOString(), message: signInMessage(fields) };
}

export async function signIn(call: Call & { pki: Pki; message: string; signature: string; certificateId: string }) {
  const own = await requireHallBidder(call.db, call.sectionId, call.account);
  const certificate = await requireValidCertificate(call.db, call.pki, { certificateId: call.certificateId, account: call.account, usage: 'signature' });
  const signature = new Uint8Array(Buffer.from(call.signature, 'base64'));
  if (signature.length === 0 || !verifyMessage(certificate.pem, SIGN_IN_CONTEXT, new TextEncoder().encode(call.message), signature)) {
    throw hallRefusal('INVALID_INPUT', 'bad-signature', '签到签名验证失败：签名与签到消息或证书不符，请用本单位的数字证书重新签名', 'The sign-in signature does not verify against the message and the certificate; sign again with your company’s certificate');
  }
  const message = parseSignedMessage(call.message, signInMessageSchema);
  if (message.sectionId !== call.sectionId || message.organisationId !== own.organisationId) {
    throw hallRefusal('INVALID_INPUT', 'wrong-message', '签到消息所载标段或单位与本次签到不符', 'The signed sign-in names another section or company');
  }
  return call.db.transaction(async (tx) => {
    const { hall } = await loadHall(tx, call.sectionId, { lock: true });
    assertHallState(hall, ['open', 'decrypting'], { zh: '签到', en: 'sign in' });
    const [already] = await tx.select().from(hallAttendance).where(and(eq(hallAttendance.sectionId, call.sectionId), eq(hallAttendance.organisationId, own.organisationId)));
    if (already) return { signedInAt: already.signedAt.toISOString(), already: true };
    const [claimed] = await tx
      .update(hallChallenge)
      .set({ usedAt: sql`now()` })
      .where(and(eq(hallChallenge.id, message.challengeId), eq(hallChallenge.accountId, call.account.accountId), eq(hallChallenge.sectionId, call.sectionId), isNull(hallChallenge.usedAt), gt(hallChallenge.expiresAt, sql`now()`)))
      .returning({ challenge: hallChallenge.challenge });
    if (!claimed || Buffer.from(claimed.challenge).toString('base64') !== message.challenge) {
      throw hallRefusal('INVALID_INPUT', 'challenge', '签到挑战无效、已使用或已过期（有效期 2 分钟），请重新获取后再签名', 'The sign-in challenge is unknown, used or expired (it lasts 2 minutes); ask for a new one and sign again');
    }
    const [row] = await tx
      .insert(hallAttendance)
      .values({ sectionId: call.sectionId, organisationId: own.organisationId, accountId: call.account.accountId, certificateId: call.certificateId, challengeId: message.challengeId, signedMessage: call.message, signature })
      .returning({ signedAt: hallAttendance.signedAt });
    await appendTrace(tx, actorOf(call.request, call.account), {
      action: 'hall.signIn',
      targetType: 'section',
      targetId: call.sectionId,
      details: { certificate: call.certificateId, challenge: message.challengeId },
    });
    await publishHall(tx, call.sectionId, 'hall.signedIn', { organisationId: own.organisationId, at: row!.signedAt.toISOString() });
    return { signedInAt: row!.signedAt.toISOString(), already: false };
  });
}
