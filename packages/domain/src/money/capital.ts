/**
 * Chinese capital numerals for amounts (大写金额), as cheques, settlement forms and paper opening
 * records carry them. The rules are those of 中国人民银行《支付结算办法》, 附一《正确填写票据和结算凭证的
 * 基本规定》:
 *
 * * digits 零壹贰叁肆伍陆柒捌玖, units 拾佰仟万亿 and 元角分; "壹拾" is always written in full
 *   (¥10 → 壹拾元整), so nothing can be put in front of 拾;
 * * an amount that ends at 元 ends with 整; one that ends at 角 may omit it (we do); one with 分
 *   never has 整;
 * * a zero inside the number is written 零, several zeros in a row once (¥6007.14 → 陆仟零柒元壹角肆分);
 * * where the 元 digit (or the 万 digit) is zero but the next lower one is not, the rules allow 零 or
 *   nothing. We follow the ordinary reading of the number: zeros at the end of a four-digit group
 *   are not read (¥107000.53 → 壹拾万柒仟元…), zeros at its start are (¥10005 → 壹万零伍元整); and
 *   between 元 and a non-zero 角 we write 零 when the 元 digit is zero (¥1680.32 → 壹仟陆佰捌拾元零叁角贰分,
 *   ¥100000.10 → 壹拾万元零壹角), the first form the rules give;
 * * a zero 角 before a non-zero 分 is written 零 after 元 (¥16409.02 → 壹万陆仟肆佰零玖元零贰分).
 *
 * Amounts on the platform are whole fen (分); the number is taken in fen, as a bigint or a safe
 * integer, never as floating-point yuan.
 */

const DIGITS = ['零', '壹', '贰', '叁', '肆', '伍', '陆', '柒', '捌', '玖'] as const;
const IN_GROUP = ['', '拾', '佰', '仟'] as const;
/** Group units: 10^0, 10^4, 10^8, 10^12 (万亿). Enough for any amount a safe integer of fen holds. */
const GROUPS = ['', '万', '亿', '万亿'] as const;
const MAX_YUAN = 10n ** 16n;

/** The four digits of one group (0…9999), with zeros read as Chinese reads them; '' for 0. */
function group(value: number, leadingZero: boolean): string {
  const digits = String(value).padStart(4, '0');
  let out = '';
  let pendingZero = leadingZero;
  for (let i = 0; i < 4; i++) {
    const d = Number(digits[i]);
    if (d === 0) {
      if (out !== '') pendingZero = true;
      continue;
    }
    if (pendingZero) out += '零';
    pendingZero = false;
    out += DIGITS[d]! + IN_GROUP[3 - i]!;
  }
  return out;
}

function integerPart(yuan: bigint): string {
  if (yuan === 0n) return '';
  const groups: number[] = [];
  for (let rest = yuan; rest > 0n; rest /= 10000n) groups.push(Number(rest % 10000n));
  let out = '';
  let zeroSinceLast = false;
  for (let g = groups.length - 1; g >= 0; g--) {
    const value = groups[g]!;
    if (value === 0) {
      if (out !== '') zeroSinceLast = true;
      continue;
    }
    // A lower group under a higher one reads its leading zeros (壹万零伍), and a skipped group of
    // zeros is read once (壹亿零伍).
    const leadingZero = out !== '' && (zeroSinceLast || value < 1000);
    // The 万亿 group before a non-zero 亿 group shares its 亿: 玖拾捌万柒仟陆佰伍拾肆亿.
    const unit = g === 3 && groups[2] ? '万' : GROUPS[g]!;
    out += group(value, leadingZero) + unit;
    zeroSinceLast = false;
  }
  return out;
}

/**
 * An amount in fen as Chinese capital numerals: 123456789 → 壹佰贰拾叁万肆仟伍佰陆拾柒元捌角玖分,
 * 10000 → 壹佰元整, 0 → 零元整. Refuses negative, fractional and too large (≥ 10^16 元) amounts.
 */
export function toChineseCapitalAmount(fen: bigint | number): string {
  if (typeof fen === 'number' && !Number.isSafeInteger(fen))
    throw new RangeError(`amount in fen must be a safe integer, got ${fen}`);
  const value = BigInt(fen);
  if (value < 0n) throw new RangeError(`amount in fen must not be negative, got ${value}`);
  const yuan = value / 100n;
  if (yuan >= MAX_YUAN) throw new RangeError(`amount too large for capital numerals: ${value} fen`);
  const jiao = Number((value / 10n) % 10n);
  const fenDigit = Number(value % 10n);

  const whole = integerPart(yuan);
  if (jiao === 0 && fenDigit === 0) return `${whole || '零'}元整`;
  let out = whole ? `${whole}元` : '';
  if (jiao !== 0) {
    if (whole && yuan % 10n === 0n) out += '零';
    out += `${DIGITS[jiao]}角`;
  } else if (whole) {
    out += '零';
  }
  if (fenDigit !== 0) out += `${DIGITS[fenDigit]}分`;
  return out;
}
