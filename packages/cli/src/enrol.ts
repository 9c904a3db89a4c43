/**
 * `ggzy enrol`: 证书申领 from the command line (docs/pki.md §3). The key pair is generated here; only
 * the certificate request goes to the platform, and the private key is written only into the
 * password-protected PKCS#12 file.
 */
import { createKeyPairAndCsr, toPkcs12 } from '@ggzy/crypto';
import { CliError } from './errors';
import { enrolAnswer, me } from './contract';
import { p12Password, refuseExisting, writeFileAtomic } from './files';
import { signIn, type SignInOptions } from './session';

export interface EnrolOptions extends SignInOptions {
  p12: string;
  p12Password?: string | undefined;
  /** Also write the issued certificate (PEM), e.g. for `ggzy seal --to`. */
  cert?: string | undefined;
  /** The certificate subject; by default the organisation's name as the platform knows it. */
  commonName?: string | undefined;
  organisation?: string | undefined;
  creditCode?: string | undefined;
}

export interface EnrolResult {
  certificateId: string;
  serial: string;
  notAfter: string;
  subject: { commonName: string; organisation: string; creditCode: string };
}

export async function enrol(options: EnrolOptions): Promise<EnrolResult> {
  // Everything that can fail locally fails before the platform issues a certificate: a certificate
  // whose key could not be saved would only have to be revoked.
  await refuseExisting(options.p12);
  if (options.cert) await refuseExisting(options.cert);
  const password = await p12Password(options.p12Password, { zh: '为证书文件设置密码', en: 'choose a password for the key file' }, true);
  if (!/^[\x20-\x7e]{8,128}$/.test(password)) {
    throw new CliError('证书文件密码应为 8–128 个可打印 ASCII 字符 / the key-file password is 8 to 128 printable ASCII characters');
  }

  const session = await signIn(options);
  try {
    const account = await session.query('auth.me', undefined, me);
    if (!account) throw new CliError('登录未生效 / the sign-in did not take effect');
    const loose = account as Record<string, unknown>;
    const known = typeof loose.creditCode === 'string' ? loose.creditCode : typeof loose.organisationCreditCode === 'string' ? loose.organisationCreditCode : undefined;
    const creditCode = options.creditCode ?? known;
    if (!creditCode) {
      throw new CliError('请用 --credit-code 给出单位的统一社会信用代码 / give the organisation’s unified social credit code with --credit-code');
    }
    const name = account.organisationName ?? account.displayName;
    const subject = { commonName: options.commonName ?? name, organisation: options.organisation ?? name, creditCode };

    const { privateKeyPem, csrPem } = await createKeyPairAndCsr({ subject });
    const issued = await session.mutate('certificate.enrol', { csrPem }, enrolAnswer);
    const p12 = toPkcs12({ certificatePem: issued.certificatePem, privateKeyPem, password, chainPems: issued.chainPem });
    try {
      await writeFileAtomic(options.p12, p12, { mode: 0o600 });
    } catch (error) {
      throw new CliError(
        `证书已签发（${issued.serial}），但证书文件无法写入，请吊销该证书后重新申领 / the certificate ${issued.serial} was issued but the key file could not be written; revoke it and enrol again: ${(error as Error).message}`,
      );
    }
    if (options.cert) await writeFileAtomic(options.cert, issued.certificatePem);
    const notAfter = issued.notAfter instanceof Date ? issued.notAfter.toISOString() : issued.notAfter;
    return { certificateId: issued.id, serial: issued.serial, notAfter, subject };
  } finally {
    await session.logout();
  }
}
