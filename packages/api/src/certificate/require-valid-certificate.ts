/**
 * The one check every signed action goes through (login, submit, share sealing): the certificate is
 * the caller's, chains to a root the deployment trusts, is within its validity on the database
 * clock, is not revoked, and has the key usage the action needs (DESIGN.md §4, docs/pki.md §5).
 */
import type { RequiredUsage, ValidatedCertificate } from '@ggzy/crypto';
import { validateCertificateNode } from '@ggzy/crypto/node';
import { certificate, eq, executeRows, sql, type Database } from '@ggzy/db';
import { AppError } from '@ggzy/domain';
import type { Services, SessionAccount } from '../context';
import { withCertificateErrors } from './certificate-error';
import { splitPemBundle } from './certificate-facts';

export type CertificateRow = typeof certificate.$inferSelect;
export type Pki = Services['pki'];

/** The platform CA plus every external root the deployment recognises (CA互认). */
export function trustedRootsOf(pki: Pki): string[] {
  return [pki.ca.certificatePem, ...(pki.sm2Ca ? [pki.sm2Ca.certificatePem] : []), ...pki.trustedRootsPem];
}

export async function databaseNow(db: Database): Promise<Date> {
  const [row] = await executeRows<{ now: Date | string }>(db, sql`select now() as now`);
  return new Date(row!.now);
}

/**
 * Validates a stored certificate at `at`. Revocation comes from the row itself (the platform's own
 * revocations); the order of the checks is @ggzy/crypto's, so an untrusted certificate is refused
 * as such before anything else is said about it. Runs on Node's OpenSSL and keeps, per certificate
 * and trusted-root set, what depends on the certificates alone (`validateCertificateNode`); the
 * time and the row's revocation are checked on every call.
 */
export async function validateCertificateRow(
  pki: Pki,
  row: CertificateRow,
  options: { usage: RequiredUsage; at: Date },
): Promise<ValidatedCertificate> {
  const { leafPem, chainPems } = splitPemBundle(row.pem);
  const revoked = row.revokedAt !== null && row.revokedAt.getTime() <= options.at.getTime();
  return withCertificateErrors(() =>
    validateCertificateNode({
      certificatePem: leafPem,
      trustedRootPems: trustedRootsOf(pki),
      intermediatePems: chainPems,
      at: options.at,
      revokedSerials: revoked ? new Set([row.serial]) : undefined,
      requiredUsage: options.usage,
    }),
  );
}

export interface ValidCertificate {
  certificate: CertificateRow;
  /** The leaf certificate alone, PEM: what verifyMessage / the envelope's recipient key take. */
  pem: string;
  validated: ValidatedCertificate;
}

/** Every signed action reads its certificate: a prepared statement per database (built once). */
const lookups = new WeakMap<Database, ReturnType<typeof buildCertificateLookup>>();

function buildCertificateLookup(db: Database) {
  return db
    .select({ row: certificate, now: sql<Date | string>`now()`.as('now') })
    .from(certificate)
    .where(eq(certificate.id, sql.placeholder('id')))
    .prepare('ggzy_certificate_lookup');
}

function certificateLookup(db: Database) {
  let lookup = lookups.get(db);
  if (!lookup) lookups.set(db, (lookup = buildCertificateLookup(db)));
  return lookup;
}

/**
 * For the signed actions of an account (submit, withdraw): the certificate must belong to the
 * account and speak for the account's current organisation, and be valid for `usage` at `at`
 * (the database clock unless the caller already read it, e.g. under the section lock).
 */
export async function requireValidCertificate(
  db: Database,
  pki: Pki,
  options: {
    certificateId: string;
    account: Pick<SessionAccount, 'accountId' | 'organisationId'>;
    usage: RequiredUsage;
    at?: Date;
  },
): Promise<ValidCertificate> {
  // The row and, unless given, the database clock in one round trip.
  const [found] = await certificateLookup(db).execute({ id: options.certificateId });
  const row = found?.row;
  if (!found || !row) {
    throw new AppError('NOT_FOUND', { zh: '没有这张数字证书，请先申领或登记证书', en: 'No such certificate; enrol or register one first' }, { reason: 'not-found' });
  }
  if (row.accountId !== options.account.accountId || row.organisationId !== options.account.organisationId) {
    throw new AppError(
      'PERMISSION_DENIED',
      { zh: '这张数字证书不属于当前账号及其单位，请使用本人申领的证书', en: 'This certificate does not belong to your account and organisation; use your own' },
      { reason: 'not-yours' },
    );
  }
  const at = options.at ?? new Date(found.now);
  const validated = await validateCertificateRow(pki, row, { usage: options.usage, at });
  return { certificate: row, pem: splitPemBundle(row.pem).leafPem, validated };
}
