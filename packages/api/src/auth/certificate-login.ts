/**
 * 证书登录 (docs/sealed-bids.md §1, docs/pki.md §6): the server hands out random bytes, the holder
 * signs them with its certificate's key, and the certificate row (issuer + serial, registered at
 * enrolment or registration) names the account. A challenge is good for one attempt, whatever its
 * outcome, and for two minutes.
 */
import { appendTrace, type TraceActor } from '@ggzy/audit';
import { randomBytes, verifyChallenge } from '@ggzy/crypto';
import { account, and, certificate, eq, gt, isNull, loginChallenge, lt, sql, type Database } from '@ggzy/db';
import { AppError, isAppError, type BilingualMessage } from '@ggzy/domain';
import { certificateFacts, splitPemBundle } from '../certificate/certificate-facts';
import { databaseNow, validateCertificateRow, type Pki } from '../certificate/require-valid-certificate';
import { actorOf, type RequestInfo } from '../context';
import { startSession } from './start-session';

export const CHALLENGE_BYTES = 32;
export const CHALLENGE_TTL_SECONDS = 120;

/**
 * Not traced: asking for a challenge changes nothing anybody relies on, and anyone may ask without
 * signing in (tracing it would let the public fill the log). Its use, successful or not, is traced.
 */
export async function createLoginChallenge(db: Database) {
  // Spent and expired challenges are worthless; a day's grace keeps recent ones for inspection.
  await db.delete(loginChallenge).where(lt(loginChallenge.expiresAt, sql`now() - interval '1 day'`));
  const challenge = randomBytes(CHALLENGE_BYTES);
  const [row] = await db
    .insert(loginChallenge)
    .values({ challenge, expiresAt: sql`now() + make_interval(secs => ${CHALLENGE_TTL_SECONDS})` })
    .returning({ id: loginChallenge.id, expiresAt: loginChallenge.expiresAt });
  return { challengeId: row!.id, challenge: Buffer.from(challenge).toString('base64'), expiresAt: row!.expiresAt.toISOString() };
}

const CHALLENGE_MESSAGES: Record<'challenge-reused' | 'challenge-expired' | 'challenge-unknown', BilingualMessage> = {
  'challenge-reused': { zh: '登录挑战已被使用，请重新获取后再签名', en: 'This login challenge has been used; ask for a new one and sign again' },
  'challenge-expired': { zh: '登录挑战已过期（有效期 2 分钟），请重新获取后再签名', en: 'This login challenge has expired (it lasts 2 minutes); ask for a new one and sign again' },
  'challenge-unknown': { zh: '没有这个登录挑战，请重新获取', en: 'No such login challenge; ask for a new one' },
};

type Attempt =
  | { ok: true; token: string; sessionId: string; expiresAt: Date; role: (typeof account.$inferSelect)['role']; username: string }
  | { ok: false; error: AppError };

export async function certificateLogin(options: {
  db: Database;
  pki: Pki;
  request: RequestInfo;
  challengeId: string;
  certificatePem: string;
  signature: Uint8Array;
  ttlHours: number;
}) {
  const { db, pki, request } = options;
  const attempt = await db.transaction(async (tx): Promise<Attempt> => {
    // Every refusal commits its trace entry and the spent challenge, then the error is thrown outside.
    const refuse = async (reason: string, message: BilingualMessage, target: { type: string; id: string }, actor: TraceActor = {}) => {
      await appendTrace(tx, { ...actorOf(request, null), ...actor }, {
        action: 'auth.login.failed',
        outcome: 'failed',
        targetType: target.type,
        targetId: target.id,
        details: { method: 'certificate', reason },
      });
      return { ok: false as const, error: new AppError('INVALID_CREDENTIALS', message, { reason }) };
    };

    // Single use: the UPDATE claims the challenge atomically, so two attempts never both get it.
    const [claimed] = await tx
      .update(loginChallenge)
      .set({ usedAt: sql`now()` })
      .where(and(eq(loginChallenge.id, options.challengeId), isNull(loginChallenge.usedAt), gt(loginChallenge.expiresAt, sql`now()`)))
      .returning({ challenge: loginChallenge.challenge });
    const challengeTarget = { type: 'login_challenge', id: options.challengeId };
    if (!claimed) {
      const [spent] = await tx.select({ usedAt: loginChallenge.usedAt }).from(loginChallenge).where(eq(loginChallenge.id, options.challengeId));
      const reason = !spent ? 'challenge-unknown' : spent.usedAt ? 'challenge-reused' : 'challenge-expired';
      return refuse(reason, CHALLENGE_MESSAGES[reason], challengeTarget);
    }

    let facts: ReturnType<typeof certificateFacts>;
    try {
      facts = certificateFacts(options.certificatePem);
    } catch (error) {
      if (!isAppError(error)) throw error;
      return refuse('malformed', { zh: error.zh, en: error.en }, challengeTarget);
    }
    const [row] = await tx
      .select()
      .from(certificate)
      .where(and(eq(certificate.issuerSha256, facts.issuerSha256), eq(certificate.serial, facts.serial)));
    // The presented certificate must be the registered one byte for byte, not merely share its serial.
    if (!row || certificateFacts(row.pem).certificateSha256 !== facts.certificateSha256) {
      return refuse(
        'unregistered',
        {
          zh: '这张证书未在平台登记，请先用账号密码登录，在“数字证书”中申领或登记证书',
          en: 'This certificate is not registered here; sign in with your password and enrol or register it under “Certificates”',
        },
        { type: 'certificate', id: `${facts.issuerSha256.slice(0, 16)}:${facts.serial}` },
      );
    }
    const [holder] = await tx.select().from(account).where(eq(account.id, row.accountId));
    const holderActor: TraceActor = { actorId: holder!.id, actorName: holder!.username, organisationId: holder!.organisationId, role: holder!.role };
    const certificateTarget = { type: 'certificate', id: row.id };

    try {
      await validateCertificateRow(pki, row, { usage: 'signature', at: await databaseNow(tx) });
    } catch (error) {
      if (!isAppError(error)) throw error;
      return refuse(String(error.details.reason ?? 'invalid'), { zh: error.zh, en: error.en }, certificateTarget, holderActor);
    }
    if (!verifyChallenge(splitPemBundle(row.pem).leafPem, claimed.challenge, options.signature)) {
      return refuse(
        'bad-signature',
        { zh: '签名验证失败，请使用与该证书对应的私钥签名', en: 'The signature does not verify; sign with the private key of this certificate' },
        certificateTarget,
        holderActor,
      );
    }
    if (holder!.organisationId !== row.organisationId) {
      return refuse(
        'organisation-changed',
        { zh: '账号所属单位已变更，这张证书不再代表该账号，请重新申领', en: 'The account’s organisation has changed, so this certificate no longer speaks for it; enrol again' },
        certificateTarget,
        holderActor,
      );
    }
    if (holder!.status !== 'active') {
      await appendTrace(tx, { ...actorOf(request, null), ...holderActor }, {
        action: 'auth.login.disabled',
        outcome: 'denied',
        targetType: 'account',
        targetId: holder!.id,
        details: { method: 'certificate' },
      });
      return { ok: false, error: new AppError('ACCOUNT_DISABLED', { zh: '账号已停用，请联系交易中心', en: 'This account is disabled; contact the trading centre' }) };
    }
    const created = await startSession(tx, {
      request,
      account: holder!,
      ttlHours: options.ttlHours,
      details: { method: 'certificate', certificateId: row.id },
    });
    return { ok: true, ...created, role: holder!.role, username: holder!.username };
  });
  if (!attempt.ok) throw attempt.error;
  return attempt;
}
