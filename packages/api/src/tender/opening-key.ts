/**
 * The opening-key step of publication (DESIGN.md §4, docs/sealed-bids.md §2), for sections whose
 * bids can also be opened by k of n custodians. Runs inside the publishing transaction: either the
 * section is published with its opening key and every custodian's sealed share, or nothing is.
 */
import { appendTrace } from '@ggzy/audit';
import { createOpeningKey, OpeningKeyError, subjectPublicKeyInfoOf } from '@ggzy/crypto';
import { account, inArray, openingKey, openingKeyShare, section, type Database } from '@ggzy/db';
import { AppError } from '@ggzy/domain';
import { currentCertificateOf } from '../certificate/current-certificate';
import { databaseNow, type Pki } from '../certificate/require-valid-certificate';
import { actorOf, type RequestInfo, type SessionAccount } from '../context';

type Section = typeof section.$inferSelect;

/** Who may hold a share: centre staff and supervisors (DESIGN.md §4), never a party to the tender. */
const CUSTODIAN_ROLES = new Set(['centre', 'supervisor']);

const names = (list: string[]) => list.map((n) => `「${n}」`).join('、');

async function custodianKeys(tx: Database, pki: Pki, current: Section) {
  const ids = current.custodianIds;
  const rows = await tx
    .select({ id: account.id, displayName: account.displayName, role: account.role, status: account.status })
    .from(account)
    .where(inArray(account.id, ids));
  const unknown = ids.filter((id) => !rows.some((r) => r.id === id));
  if (unknown.length > 0) {
    throw new AppError('RULE_VIOLATION', { zh: `保管人账号不存在：${unknown.join('、')}`, en: `No such custodian account: ${unknown.join(', ')}` }, { custodians: unknown.join(',') });
  }
  const unfit = rows.filter((r) => !CUSTODIAN_ROLES.has(r.role) || r.status !== 'active').map((r) => r.displayName);
  if (unfit.length > 0) {
    throw new AppError('RULE_VIOLATION', {
      zh: `保管人须为在用的交易中心或行政监督人员账号：${names(unfit)}不符合`,
      en: `Custodians must be active accounts of the trading centre or the supervisor; not so: ${unfit.join(', ')}`,
    });
  }
  const at = await databaseNow(tx);
  const found = [];
  // One after another: the queries share the publishing transaction's connection.
  for (const id of ids) {
    found.push({ custodian: rows.find((r) => r.id === id)!, valid: await currentCertificateOf(tx, pki, { accountId: id, usage: 'keyEncipherment', at }) });
  }
  const without = found.filter((f) => !f.valid).map((f) => f.custodian.displayName);
  if (without.length > 0) {
    throw new AppError(
      'RULE_VIOLATION',
      {
        zh: `保管人${names(without)}没有有效的数字证书，无法生成开标密钥；请其先申领证书，再发布`,
        en: `Custodian(s) ${without.join(', ')} have no valid certificate, so the opening key cannot be made; ask them to enrol for one, then publish`,
      },
      { custodians: without.join(',') },
    );
  }
  return found.map((f) => ({ id: f.custodian.id, certificateId: f.valid!.certificate.id, publicKeySpki: subjectPublicKeyInfoOf(f.valid!.pem) }));
}

/**
 * Makes the section's opening key in the section's envelope suite (RSA-OAEP, or SM2 for the GM/T
 * suite), seals one share to each custodian's current certificate (RSA or SM2: each share in the
 * suite of its custodian's key), and records them.
 */
export async function createSectionOpeningKey(
  tx: Database,
  options: { pki: Pki; request: RequestInfo; account: SessionAccount; section: Section },
): Promise<{ keyId: string }> {
  const { section: current } = options;
  const custodians = await custodianKeys(tx, options.pki, current);
  let created: Awaited<ReturnType<typeof createOpeningKey>>;
  try {
    created = await createOpeningKey({ suite: current.envelopeSuite, threshold: current.custodianThreshold ?? 0, custodians });
  } catch (error) {
    if (!(error instanceof OpeningKeyError)) throw error;
    throw error.code === 'unsupported-suite'
      ? new AppError('RULE_VIOLATION', {
          zh: `加密套件 ${current.envelopeSuite} 暂不支持保管人开标密钥，请改用投标人密钥解密或其他加密套件`,
          en: `Suite ${current.envelopeSuite} has no custodian opening key yet; use bidder-key opening or another suite`,
        })
      : new AppError('INVALID_INPUT', { zh: `保管人或门限设置有误：${error.message}`, en: `Invalid custodians or threshold: ${error.message}` });
  }
  await tx.insert(openingKey).values({
    sectionId: current.id,
    suite: created.suite,
    publicKeySpki: created.publicKeySpki,
    keyId: created.keyId,
    threshold: created.threshold,
    shareCount: created.shares.length,
  });
  await tx.insert(openingKeyShare).values(
    created.shares.map((share) => ({
      sectionId: current.id,
      custodianId: share.custodianId,
      certificateId: custodians.find((c) => c.id === share.custodianId)!.certificateId,
      sealedShare: share.sealedShare,
      shareSha256: share.shareSha256,
    })),
  );
  await appendTrace(tx, actorOf(options.request, options.account), {
    action: 'section.openingKey.create',
    targetType: 'section',
    targetId: current.id,
    // Digests of what was stored: the public half (its key id) and each sealed share. Nothing private.
    digests: { publicKey: created.keyId, ...Object.fromEntries(created.shares.map((s) => [`share:${s.custodianId}`, s.sealedShareSha256])) },
    details: {
      keyId: created.keyId,
      suite: created.suite,
      threshold: String(created.threshold),
      shareCount: String(created.shares.length),
      certificates: custodians.map((c) => c.certificateId).join(','),
    },
  });
  return { keyId: created.keyId };
}
