/**
 * The one error type of the certificate module (STYLE.md: one error type with codes, messages in
 * English and Chinese that tell a person what to do). Callers branch on `code`, never on the message.
 */
export type CertificateErrorCode =
  | 'expired'
  | 'not-yet-valid'
  | 'revoked'
  | 'untrusted'
  | 'bad-signature'
  | 'wrong-usage'
  | 'is-ca'
  | 'leaf-signed-by-leaf'
  | 'malformed'
  | 'unsupported-algorithm'
  | 'bad-csr'
  | 'wrong-password'
  | 'invalid-input';

const summaries: Record<CertificateErrorCode, string> = {
  expired:
    'The certificate has expired; renew it with your CA and log in again / 数字证书已过期，请向发证机构办理证书更新后重新登录',
  'not-yet-valid':
    'The certificate is not valid yet; check the computer clock or wait until its start date / 数字证书尚未生效，请检查计算机时间或待生效日期后再使用',
  revoked:
    'The certificate has been revoked; apply to your CA for a new one / 数字证书已被吊销，请向发证机构重新申请证书',
  untrusted:
    'The certificate was not issued by a CA this platform trusts; use a certificate from a listed CA / 数字证书不是由本平台认可的发证机构签发，请使用本平台互认的CA签发的证书',
  'bad-signature':
    'The certificate signature does not verify; the file is damaged or forged, obtain it again from your CA / 数字证书签名验证失败，证书文件已损坏或被伪造，请向发证机构重新获取',
  'wrong-usage':
    'The certificate may not be used for this purpose (key usage); use your signing/encryption certificate / 数字证书的密钥用途不符合要求，请使用具有相应用途的证书',
  'is-ca':
    'A CA certificate cannot be used to log in or sign a bid; use your own (end-entity) certificate / CA证书不能用于登录或投标签名，请使用本单位的用户证书',
  'leaf-signed-by-leaf':
    'The certificate was issued by a certificate that is not a CA; it is not valid / 数字证书的签发者不是CA证书，该证书无效',
  malformed: 'The certificate file cannot be read; check that it is a PEM X.509 certificate / 无法解析数字证书文件，请确认其为PEM格式的X.509证书',
  'unsupported-algorithm':
    'The certificate uses an algorithm this platform does not support yet / 数字证书使用了本平台暂不支持的算法',
  'bad-csr':
    'The certificate request is invalid (its signature or content does not verify); generate it again / 证书申请文件无效（签名或内容校验失败），请重新生成证书申请',
  'wrong-password':
    'Wrong password for the certificate file (PKCS#12); enter the password set when it was saved / 证书文件（PKCS#12）密码错误，请输入保存证书时设置的密码',
  'invalid-input': 'Invalid input for a certificate operation / 证书操作的输入参数无效',
};

export class CertificateError extends Error {
  override readonly name = 'CertificateError';
  constructor(
    readonly code: CertificateErrorCode,
    readonly detail: string,
  ) {
    super(`${summaries[code]}: ${detail}`);
  }
}
