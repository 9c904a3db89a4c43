import { describe, expect, it } from 'vitest';
import { BidBundleError } from './errors';
import { decodeOpeningSchedule, encodeOpeningSchedule, parseOpeningSchedule } from './schedule';

const valid = { version: 1, priceFen: 123_456_789, durationDays: 180, quality: '合格', bondReference: 'BH-2025-0042' } as const;

const refusal = (value: unknown) => {
  try {
    parseOpeningSchedule(value);
  } catch (error) {
    expect(error).toBeInstanceOf(BidBundleError);
    expect((error as BidBundleError).reason).toBe('invalid-schedule');
    return (error as Error).message;
  }
  throw new Error('accepted');
};

describe('opening schedule (开标一览表)', () => {
  it('accepts a complete schedule and trims its texts', () => {
    expect(parseOpeningSchedule({ ...valid, quality: '  合格 ' })).toEqual(valid);
    expect(parseOpeningSchedule({ ...valid, priceFen: 0 }).priceFen).toBe(0);
  });

  it.each([
    [{ ...valid, priceFen: 12.5 }, /^开标一览表（priceFen）：投标报价应精确到分（整数）\/? ?/],
    [{ ...valid, priceFen: -1 }, /投标报价不能为负 \/ .*cannot be negative/],
    [{ ...valid, priceFen: '100' }, /投标报价应为数字（分）/],
    [{ ...valid, durationDays: 0 }, /（durationDays）：工期应大于 0 天/],
    [{ ...valid, durationDays: 7.5 }, /工期应为整天数/],
    [{ ...valid, quality: '   ' }, /（quality）：请填写质量标准/],
    [{ ...valid, bondReference: undefined }, /（bondReference）：请填写投标保证金或保函编号 \/ opening schedule \(bondReference\): the bond or guarantee reference is required/],
    [{ ...valid, version: 2 }, /开标一览表版本应为 1/],
    [{ ...valid, discount: 5 }, /未知字段/],
    [null, /开标一览表.*格式不对/],
  ])('refuses %j with a Chinese-first message', (value, message) => {
    expect(refusal(value)).toMatch(message);
  });

  it('encodes with a fixed key order and decodes strictly', () => {
    const shuffled = { bondReference: valid.bondReference, quality: valid.quality, durationDays: 180, priceFen: valid.priceFen, version: 1 as const };
    const bytes = encodeOpeningSchedule(shuffled);
    expect(new TextDecoder().decode(bytes)).toBe('{"version":1,"priceFen":123456789,"durationDays":180,"quality":"合格","bondReference":"BH-2025-0042"}');
    expect(decodeOpeningSchedule(bytes)).toEqual(valid);
    expect(() => decodeOpeningSchedule(new Uint8Array([0xff, 0x7b]))).toThrow(/不是有效的 UTF-8 JSON/);
    expect(() => decodeOpeningSchedule(new TextEncoder().encode('{"version":1}'))).toThrow(/priceFen/);
  });
});
