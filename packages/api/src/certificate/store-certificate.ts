import { appendTrace } from '@ggzy/audit';
import { publicKeyAlgorithmOfCertificate, type ValidatedCertificate } from '@ggzy/crypto';
import { account, and, certificate, eq, ne, organisation, type Database } from '@ggzy/db';
import { AppError } from '@ggzy/domain';
import { actorOf, type RequestInfo, type SessionAccount } from '../context';
import { certificateFacts } from './certificate-facts';
import { subjectMismatch, type CertificateOwner } from './subject-rules';

/** The account's name and its organisation's name and credit code, as the subject must carry them. */
export async function certificateOwnerOf(db: Database, accountId: string): Promise<CertificateOwner> {
  const [row] = await db
    .select({ displayName: account.displayName, organisationName: organisation.name, creditCode: organisation.creditCode })
    .from(account)
    .leftJoin(organisation, eq(organisation.id, account.organisationId))
    .where(eq(account.id, accountId));
  if (!row) throw new AppError('NOT_FOUND', { zh: '账号不存在', en: 'No such account' });
  return row;
}

export function assertSubjectFits(validated: ValidatedCertificate, owner: CertificateOwner): void {
  const mismatch = subjectMismatch(
    { commonName: validated.subject.commonName, organisation: validated.subject.organisation, creditCode: validated.creditCode },
    owner,
  );
  if (mismatch) throw new AppError('INVALID_INPUT', mismatch, { reason: 'subject-mismatch' });
}

/**
 * Records a validated certificate for the account, with its trace entry, in one transaction.
 * `pem` is the leaf followed by the intermediates of its path (none for the platform CA's own).
 */
export async function storeCertificate(
  db: Database,
  options: {
    request: RequestInfo;
    account: SessionAccount;
    pem: string;
    validated: ValidatedCertificate;
    action: 'certificate.enrol' | 'certificate.register';
  },
) {
  const { account: holder, validated } = options;
  const facts = certificateFacts(options.pem);
  return db.transaction(async (tx) => {
    const [duplicate] = await tx
      .select({ id: certificate.id, accountId: certificate.accountId })
      .from(certificate)
      .where(and(eq(certificate.issuerSha256, facts.issuerSha256), eq(certificate.serial, validated.serialNumber)));
    if (duplicate) {
      throw new AppError(
        'CONFLICT',
        duplicate.accountId === holder.accountId
          ? { zh: '这张证书已经登记过', en: 'This certificate is registered already' }
          : { zh: '这张证书已由其他账号登记', en: 'Another account has registered this certificate' },
      );
    }
    // A public key identifies one holder: the envelope finds its recipient by key id alone.
    const [keyOfOther] = await tx
      .select({ id: certificate.id })
      .from(certificate)
      .where(and(eq(certificate.keyId, validated.keyId), ne(certificate.accountId, holder.accountId)));
    if (keyOfOther) {
      throw new AppError('CONFLICT', {
        zh: '该密钥已用于其他账号的证书，请生成新的密钥对',
        en: 'This key pair is already in another account’s certificate; generate a new key pair',
      });
    }
    const algorithm = publicKeyAlgorithmOfCertificate(facts.leafPem);
    const [row] = await tx
      .insert(certificate)
      .values({
        accountId: holder.accountId,
        organisationId: holder.organisationId,
        serial: validated.serialNumber,
        issuerSha256: facts.issuerSha256,
        issuer: facts.issuer,
        subject: facts.subject,
        keyId: validated.keyId,
        algorithm: algorithm === 'sm2' ? 'sm2' : 'rsa',
        pem: options.pem,
        notBefore: validated.notBefore,
        notAfter: validated.notAfter,
      })
      .returning();
    await appendTrace(tx, actorOf(options.request, holder), {
      action: options.action,
      targetType: 'certificate',
      targetId: row!.id,
      digests: { certificate: facts.certificateSha256, publicKey: validated.keyId },
      details: { serial: validated.serialNumber, issuer: facts.issuer, notAfter: validated.notAfter.toISOString() },
    });
    return row!;
  });
}
