import { describe, expect, test } from 'vitest';
import { apiErrorOf, fieldErrorsOf, messagesFor, TransferError, transferErrorOf } from './errors';

/** A tRPC client error as the browser receives it (packages/api/src/trpc.ts errorFormatter). */
function trpcError(app: Record<string, unknown>) {
  return Object.assign(new Error('x'), { data: { app: { details: {}, ...app } } });
}

describe('placing the API’s messages beside the form’s fields', () => {
  test('a rule violation with two problems puts each message beside its own field, in both languages', () => {
    const error = trpcError({
      code: 'RULE_VIOLATION',
      zh: '自招标文件开始发出之日起至投标截止之日止不得少于20日（招标投标法第二十四条），投标截止日最早为 2026-12-14；招标文件发售期不得少于5日（招标投标法实施条例第十六条），最早截止于 2026-11-30',
      en: 'At least 20 days must run from the day the tender documents are first issued to the bid deadline (Tendering and Bidding Law art. 24); the earliest deadline is 2026-12-14; Tender documents must be available for at least 5 days (Implementing Regulations art. 16); the earliest end is 2026-11-30',
      details: { rules: 'bid-period,documents-period', fields: 'deadline,documentsUntil' },
    });
    const errors = fieldErrorsOf(error, { prefix: 'section.' });
    expect(Object.keys(errors).sort()).toEqual(['section.deadline', 'section.documentsUntil']);
    expect(errors['section.deadline']![0]!.zh).toContain('招标投标法第二十四条');
    expect(errors['section.deadline']![0]!.zh).not.toContain('第十六条');
    expect(errors['section.deadline']![0]!.en).toBe(
      'At least 20 days must run from the day the tender documents are first issued to the bid deadline (Tendering and Bidding Law art. 24); the earliest deadline is 2026-12-14',
    );
    expect(errors['section.documentsUntil']![0]!.en).toMatch(/^Tender documents must be available/);
  });

  test('schema issues keep their paths; the update form renames fields.* to section.*; both languages are split', () => {
    const error = trpcError({
      code: 'INVALID_INPUT',
      zh: '输入有误',
      en: 'Invalid input',
      fields: [
        { path: 'fields.name', message: '标段名称至少 2 个字 / the section name needs at least 2 characters' },
        { path: 'fields.scoringMethod.criteria', message: '各评分项满分合计应为 100 分，现为 90 分 / the criteria must add up to 100 points, not 90' },
      ],
    });
    const errors = fieldErrorsOf(error, { prefix: 'section.', rename: { fields: 'section' } });
    expect(errors['section.name']).toEqual([{ zh: '标段名称至少 2 个字', en: 'the section name needs at least 2 characters' }]);
    // A field's messages include those about anything inside it.
    expect(messagesFor(errors, 'section.scoringMethod').map((m) => m.en)).toEqual(['the criteria must add up to 100 points, not 90']);
    expect(messagesFor(errors, 'section.bond')).toEqual([]);
  });

  test('errors of other kinds name no field', () => {
    expect(fieldErrorsOf(trpcError({ code: 'CONFLICT', zh: '冲突', en: 'Conflict' }))).toEqual({});
    expect(fieldErrorsOf(new Error('network'))).toEqual({});
  });

  test('a REST error body and a network failure become transfer errors', () => {
    expect(apiErrorOf(transferErrorOf({ error: { code: 'RULE_VIOLATION', zh: '招标文件获取期已结束', en: 'The period has ended' } }))).toEqual({
      code: 'RULE_VIOLATION',
      zh: '招标文件获取期已结束',
      en: 'The period has ended',
    });
    expect(apiErrorOf(transferErrorOf(null))).toBeNull();
    expect(new TransferError(null).api).toBeNull();
  });
});
