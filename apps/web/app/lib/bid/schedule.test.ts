import { describe, expect, test } from 'vitest';
import { parseSchedule } from './schedule';

const priceInvalid = { zh: '请输入金额', en: 'Enter an amount' };

describe('the opening schedule form, checked by the domain’s schema', () => {
  test('yuan as typed becomes whole fen; days and texts pass through trimmed', () => {
    const parsed = parseSchedule({ price: '12,345,678.90', durationDays: '３６５', quality: ' 合格 ', bondReference: 'BH-2026-0001' }, priceInvalid);
    expect(parsed).toEqual({ schedule: { version: 1, priceFen: 1_234_567_890, durationDays: 365, quality: '合格', bondReference: 'BH-2026-0001' } });
  });

  test('each problem is reported beside its own field, in both languages', () => {
    const parsed = parseSchedule({ price: '1.234', durationDays: '0', quality: '', bondReference: 'x' }, priceInvalid);
    expect('errors' in parsed).toBe(true);
    if (!('errors' in parsed)) return;
    expect(parsed.errors['schedule.price']).toEqual([priceInvalid]);
    expect(parsed.errors['schedule.durationDays']?.[0]?.zh).toContain('工期');
    expect(parsed.errors['schedule.durationDays']?.[0]?.en).toContain('duration');
    expect(parsed.errors['schedule.quality']?.[0]?.zh).toContain('质量标准');
    expect(parsed.errors['schedule.bondReference']).toBeUndefined();
  });

  test('a missing duration is refused, not read as zero or today', () => {
    const parsed = parseSchedule({ price: '100', durationDays: ' ', quality: '合格', bondReference: 'BH-1' }, priceInvalid);
    expect('errors' in parsed && parsed.errors['schedule.durationDays']?.length).toBe(1);
  });
});
