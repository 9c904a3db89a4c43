import { describe, expect, it } from 'vitest';
import { toChineseCapitalAmount } from './capital';

const yuan = (text: string): bigint => {
  const [whole, frac = ''] = text.split('.');
  return BigInt(whole!) * 100n + BigInt(frac.padEnd(2, '0') || '0');
};

describe('toChineseCapitalAmount (大写金额, 《支付结算办法》附一)', () => {
  it.each([
    // Examples printed in the rules themselves.
    ['1409.50', '壹仟肆佰零玖元伍角'],
    ['6007.14', '陆仟零柒元壹角肆分'],
    ['1680.32', '壹仟陆佰捌拾元零叁角贰分'],
    ['107000.53', '壹拾万柒仟元零伍角叁分'],
    ['16409.02', '壹万陆仟肆佰零玖元零贰分'],
    ['325.04', '叁佰贰拾伍元零肆分'],
    // The task's cases.
    ['1234567.89', '壹佰贰拾叁万肆仟伍佰陆拾柒元捌角玖分'],
    ['100', '壹佰元整'],
    ['1005.00', '壹仟零伍元整'],
    ['100000.10', '壹拾万元零壹角'],
    // Small amounts.
    ['0', '零元整'],
    ['0.01', '壹分'],
    ['0.10', '壹角'],
    ['0.11', '壹角壹分'],
    ['1', '壹元整'],
    ['1.01', '壹元零壹分'],
    ['1.10', '壹元壹角'],
    ['10', '壹拾元整'],
    ['10.5', '壹拾元零伍角'],
    ['11', '壹拾壹元整'],
    ['15', '壹拾伍元整'],
    ['20', '贰拾元整'],
    ['101', '壹佰零壹元整'],
    ['110', '壹佰壹拾元整'],
    ['1001', '壹仟零壹元整'],
    ['1010', '壹仟零壹拾元整'],
    ['1100', '壹仟壹佰元整'],
    // Across the 万 and 亿 groups.
    ['10000', '壹万元整'],
    ['10001', '壹万零壹元整'],
    ['10005', '壹万零伍元整'],
    ['10010', '壹万零壹拾元整'],
    ['10100', '壹万零壹佰元整'],
    ['11000', '壹万壹仟元整'],
    ['100000', '壹拾万元整'],
    ['1000700', '壹佰万零柒佰元整'],
    ['1007000', '壹佰万柒仟元整'],
    ['1010000', '壹佰零壹万元整'],
    ['10000000', '壹仟万元整'],
    ['100000000', '壹亿元整'],
    ['100000001', '壹亿零壹元整'],
    ['100001000', '壹亿零壹仟元整'],
    ['100010000', '壹亿零壹万元整'],
    ['110000000', '壹亿壹仟万元整'],
    ['1000000000000', '壹万亿元整'],
    ['1000000000001', '壹万亿零壹元整'],
    ['89765432109876.54', '捌拾玖万柒仟陆佰伍拾肆亿叁仟贰佰壹拾万玖仟捌佰柒拾陆元伍角肆分'],
    ['50000000.00', '伍仟万元整'],
    ['2030405.06', '贰佰零叁万零肆佰零伍元零陆分'],
  ])('¥%s → %s', (amount, expected) => {
    expect(toChineseCapitalAmount(yuan(amount))).toBe(expected);
    expect(toChineseCapitalAmount(Number(yuan(amount)))).toBe(expected);
  });

  it('never writes two 零 in a row, nor ends a whole amount without 整', () => {
    for (let fen = 0; fen < 2_000_000; fen += 997) {
      const text = toChineseCapitalAmount(fen);
      expect(text).not.toMatch(/零零/);
      if (fen !== 0) expect(text.startsWith('零')).toBe(false);
      if (fen % 100 === 0) expect(text.endsWith('元整')).toBe(true);
      else expect(text.endsWith('整')).toBe(false);
    }
  });

  it('refuses amounts it cannot write', () => {
    expect(() => toChineseCapitalAmount(-1)).toThrow(RangeError);
    expect(() => toChineseCapitalAmount(1.5)).toThrow(RangeError);
    expect(() => toChineseCapitalAmount(10n ** 18n)).toThrow(RangeError);
  });
});
