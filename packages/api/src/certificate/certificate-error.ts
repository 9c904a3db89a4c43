/**
 * CertificateError (from @ggzy/crypto) in the platform's one error type, with a message that says
 * what to do. The technical detail travels in `details.detail` for support staff and logs.
 */
import { CertificateError, type CertificateErrorCode } from '@ggzy/crypto';
import { AppError, type AppErrorCode, type BilingualMessage } from '@ggzy/domain';

const MESSAGES: Record<CertificateErrorCode, BilingualMessage> = {
  expired: { zh: '数字证书已过期，请重新申领证书', en: 'The certificate has expired; enrol for a new one' },
  'not-yet-valid': { zh: '数字证书尚未生效，请检查证书的生效时间', en: 'The certificate is not valid yet; check its start date' },
  revoked: { zh: '数字证书已吊销，请重新申领证书', en: 'The certificate has been revoked; enrol for a new one' },
  untrusted: {
    zh: '数字证书不是由本平台信任的 CA 签发，请使用平台 CA 或互认 CA 签发的证书',
    en: 'The certificate was not issued by a CA this platform trusts; use one from the platform CA or a recognised CA',
  },
  'bad-signature': {
    zh: '数字证书的签名验证失败，证书已损坏或被伪造',
    en: 'The certificate’s signature does not verify; it is damaged or forged',
  },
  'wrong-usage': {
    zh: '数字证书的密钥用途（keyUsage）不满足要求，请使用具有签名及加密用途的证书',
    en: 'The certificate’s key usage does not allow this; use a certificate for signing and key encipherment',
  },
  'is-ca': { zh: 'CA 证书不能作为用户证书使用，请使用本单位的用户证书', en: 'A CA certificate cannot be used as a holder’s certificate' },
  'leaf-signed-by-leaf': {
    zh: '数字证书的签发者不是 CA 证书，证书无效',
    en: 'The certificate was issued by a certificate that is not a CA; it is not valid',
  },
  malformed: { zh: '无法解析数字证书，请提供 PEM 格式的 X.509 证书（RSA 密钥至少 2048 位）', en: 'The certificate cannot be read; give a PEM X.509 certificate (RSA keys of at least 2048 bits)' },
  'unsupported-algorithm': { zh: '本平台暂不支持该证书的算法', en: 'The platform does not support this certificate’s algorithm yet' },
  'bad-csr': {
    zh: '证书申请（CSR）无效：签名校验失败、密钥短于 2048 位或主题不合规范，请重新生成',
    en: 'The certificate request (CSR) is invalid: its signature fails, its key is under 2048 bits or its subject is outside the profile; generate it again',
  },
  'wrong-password': { zh: '证书文件密码错误', en: 'Wrong password for the certificate file' },
  'invalid-input': { zh: '证书操作的输入无效', en: 'Invalid input for a certificate operation' },
};

/** Bad requests are the caller's input; everything else is the certificate failing a rule. */
const CODE_OF: Partial<Record<CertificateErrorCode, AppErrorCode>> = {
  malformed: 'INVALID_INPUT',
  'bad-csr': 'INVALID_INPUT',
  'invalid-input': 'INVALID_INPUT',
};

export function certificateAppError(error: CertificateError, code?: AppErrorCode): AppError {
  return new AppError(code ?? CODE_OF[error.code] ?? 'RULE_VIOLATION', MESSAGES[error.code], { reason: error.code, detail: error.detail });
}

/** Runs a @ggzy/crypto certificate operation, turning its CertificateError into an AppError. */
export async function withCertificateErrors<T>(run: () => T | Promise<T>, code?: AppErrorCode): Promise<T> {
  try {
    return await run();
  } catch (error) {
    if (error instanceof CertificateError) throw certificateAppError(error, code);
    throw error;
  }
}
