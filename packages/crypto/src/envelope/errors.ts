/**
 * The one error type of the envelope (STYLE.md: one error type with codes, messages in English and
 * Chinese). Every failure of reading or opening an envelope is an EnvelopeError; callers branch on
 * `code`, never on the message.
 */
export type EnvelopeErrorCode =
  | 'malformed-header'
  | 'unsupported-suite'
  | 'truncated'
  | 'tampered'
  | 'trailing-data'
  | 'wrong-key'
  | 'commitment-mismatch'
  | 'invalid-input';

const summaries: Record<EnvelopeErrorCode, string> = {
  'malformed-header': 'The envelope header is malformed (not a sealed bid of this format) / 投标文件信封头格式错误（不是本平台格式的加密投标文件）',
  'unsupported-suite': 'The envelope uses an unsupported algorithm suite / 投标文件使用了不支持的算法套件',
  truncated: 'The envelope is incomplete (it ends early) / 投标文件不完整（数据被截断）',
  tampered: 'The envelope has been altered or damaged / 投标文件密文被篡改或损坏',
  'trailing-data': 'Unexpected data follows the end of the envelope / 投标文件结尾之后存在多余数据',
  'wrong-key': 'This key cannot open the envelope / 该密钥无法解密此投标文件',
  'commitment-mismatch': 'The decrypted bid does not match its commitment / 解密后的投标文件与其承诺值不符',
  'invalid-input': 'Invalid input for sealing or opening / 加密或解密的输入参数无效',
};

export class EnvelopeError extends Error {
  override readonly name = 'EnvelopeError';
  constructor(
    readonly code: EnvelopeErrorCode,
    readonly detail: string,
  ) {
    super(`${summaries[code]}: ${detail}`);
  }
}
