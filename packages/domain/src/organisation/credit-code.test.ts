import { describe, expect, it } from 'vitest';
import { creditCodeCheckCharacter, isValidCreditCode } from './credit-code';

describe('unified social credit code (GB 32100-2015)', () => {
  // Codes printed on the public business licences of well-known companies.
  it.each([
    ['914403001922038216', '华为技术有限公司'],
    ['91110108551385082Q', '小米科技有限责任公司'],
  ])('accepts %s (%s)', (code) => {
    expect(isValidCreditCode(code)).toBe(true);
    expect(creditCodeCheckCharacter(code.slice(0, 17))).toBe(code[17]);
  });

  it('rejects a wrong check character, a wrong length and forbidden letters', () => {
    expect(isValidCreditCode('914403001922038217')).toBe(false);
    expect(isValidCreditCode('91440300192203821')).toBe(false);
    expect(isValidCreditCode('9144030019220382I6')).toBe(false);
    expect(isValidCreditCode('91110108551385082q')).toBe(false);
  });
});
