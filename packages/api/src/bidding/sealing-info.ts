/**
 * `bidding.sealingInfo` (docs/sealed-bids.md §3): what the browser or the CLI needs to seal a bid for
 * a section: the suite, the recipients' public keys (the bidder's own current certificate and, where
 * the tender uses custodians, the section's opening key) and the metadata bound into the envelope.
 */
import { DEFAULT_CHUNK_SIZE } from '@ggzy/crypto';
import { and, certificate, desc, eq, isNull, openingKey, organisation, type Database } from '@ggzy/db';
import { AppError } from '@ggzy/domain';
import { X509Certificate } from 'node:crypto';
import { databaseNow, validateCertificateRow, type CertificateRow } from '../certificate/require-valid-certificate';
import { splitPemBundle } from '../certificate/certificate-facts';
import type { Services, SessionAccount } from '../context';
import { readSection } from './bid-window';
import { maxEnvelopeBytesOf } from './uploads';

/** The key algorithm a suite's bidder certificate must have: SM2 for the GM/T suite, RSA otherwise. */
export const certificateAlgorithmOfSuite = (suite: string): 'rsa' | 'sm2' => (suite.startsWith('sm2/') ? 'sm2' : 'rsa');

/**
 * The newest certificate of the caller, for its current company, that validates now (database clock)
 * and whose key fits the section's suite (a company may hold an RSA and an SM2 certificate).
 */
export async function currentBidderCertificate(db: Database, pki: Services['pki'], account: SessionAccount, algorithm: 'rsa' | 'sm2' = 'rsa'): Promise<CertificateRow | null> {
  if (!account.organisationId) return null;
  const rows = await db
    .select()
    .from(certificate)
    .where(
      and(
        eq(certificate.accountId, account.accountId),
        eq(certificate.organisationId, account.organisationId),
        eq(certificate.algorithm, algorithm),
        isNull(certificate.revokedAt),
      ),
    )
    .orderBy(desc(certificate.createdAt));
  const at = await databaseNow(db);
  for (const row of rows) {
    try {
      await validateCertificateRow(pki, row, { usage: 'both', at });
      return row;
    } catch {
      // expired, or its CA is no longer trusted: try the next one
    }
  }
  return null;
}

/** DER SubjectPublicKeyInfo, base64, whatever the key's algorithm (RSA or SM2). */
const spkiOf = (pem: string) => new X509Certificate(splitPemBundle(pem).leafPem).publicKey.export({ type: 'spki', format: 'der' }).toString('base64');

export async function getSealingInfo(services: Pick<Services, 'db' | 'pki' | 'settings'>, account: SessionAccount, sectionId: string) {
  const { db } = services;
  const row = await readSection(db, sectionId);
  if (!row || row.state === 'draft') throw new AppError('NOT_FOUND', { zh: '没有这个标段', en: 'No such section' });
  const [company] = account.organisationId ? await db.select().from(organisation).where(eq(organisation.id, account.organisationId)) : [];
  if (!company || company.kind !== 'bidder') throw new AppError('PERMISSION_DENIED', { zh: '只有投标单位可以密封投标文件', en: 'Only a bidder company can seal a bid' });
  const algorithm = certificateAlgorithmOfSuite(row.envelopeSuite);
  const own = await currentBidderCertificate(db, services.pki, account, algorithm);
  if (!own) {
    throw new AppError(
      'RULE_VIOLATION',
      algorithm === 'sm2'
        ? { zh: '本标段使用国密算法（SM2/SM4/SM3）：您还没有有效的 SM2 证书，请先在“我的证书”中申领（选择 SM2）或登记', en: 'This section uses the GM/T suite (SM2/SM4/SM3): you have no valid SM2 certificate; enrol for one (choose SM2) or register one under “My certificates”' }
        : { zh: '您还没有有效的数字证书：请先在“我的证书”中申领或登记证书，再密封投标文件', en: 'You have no valid certificate: enrol for one (or register one) under “My certificates” before sealing a bid' },
      { reason: 'no-certificate', algorithm },
    );
  }
  const recipients: Array<{ role: 'bidder' | 'opening'; keyId: string; publicKeySpki: string }> = [
    { role: 'bidder', keyId: own.keyId, publicKeySpki: spkiOf(own.pem) },
  ];
  if (row.openingMode === 'bidderAndCustodians') {
    const [key] = await db.select().from(openingKey).where(eq(openingKey.sectionId, row.id));
    if (!key) {
      throw new AppError('CONFLICT', { zh: '该标段的开标密钥尚未生成，暂不能密封投标文件，请联系交易中心', en: 'The section has no opening key yet, so bids cannot be sealed; contact the trading centre' }, { reason: 'no-opening-key' });
    }
    recipients.push({ role: 'opening', keyId: key.keyId, publicKeySpki: Buffer.from(key.publicKeySpki).toString('base64') });
  }
  return {
    section: { id: row.id, code: row.code, name: row.name, deadline: row.deadline.toISOString(), state: row.state },
    suite: row.envelopeSuite,
    chunkSize: DEFAULT_CHUNK_SIZE,
    maxEnvelopeBytes: maxEnvelopeBytesOf(services.settings),
    recipients,
    metadata: { section: row.code, bidder: company.creditCode ?? company.id },
    certificate: { id: own.id, serial: own.serial },
  };
}
