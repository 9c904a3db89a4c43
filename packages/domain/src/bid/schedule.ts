/**
 * The opening schedule (开标一览表): the facts read out at the opening. It travels inside the sealed
 * bid as `opening-schedule.json`, first entry of the bundle, so nobody sees it before the opening.
 */
import { z } from 'zod';
import { BidBundleError } from './errors';

/** Amounts in fen (分), like every amount on the platform: whole and exact in a JavaScript number. */
const priceFen = z
  .number({ error: '投标报价应为数字（分）/ the bid price is a number, in fen' })
  .int({ error: '投标报价应精确到分（整数）/ the bid price is whole fen' })
  .min(0, { error: '投标报价不能为负 / the bid price cannot be negative' })
  .max(Number.MAX_SAFE_INTEGER, { error: '投标报价过大 / the bid price is too large' });

const text = (zh: string, en: string, max: number) =>
  z
    .string({ error: `请填写${zh} / ${en} is required` })
    .trim()
    .min(1, { error: `请填写${zh} / ${en} is required` })
    .max(max, { error: `${zh}不能超过 ${max} 个字 / ${en} is at most ${max} characters` });

export const openingScheduleSchema = z.strictObject(
  {
    version: z.literal(1, { error: '开标一览表版本应为 1 / the opening schedule version is 1' }),
    priceFen,
    durationDays: z
      .number({ error: '工期应为天数 / the duration is a number of days' })
      .int({ error: '工期应为整天数 / the duration is whole days' })
      .min(1, { error: '工期应大于 0 天 / the duration must be at least 1 day' })
      // Ten years bounds typos (days entered as fen) without constraining real works contracts.
      .max(3650, { error: '工期不能超过 3650 天 / the duration is at most 3650 days' }),
    quality: text('质量标准（如：合格）', 'the quality standard (e.g. 合格)', 200),
    bondReference: text('投标保证金或保函编号', 'the bond or guarantee reference', 200),
  },
  { error: '开标一览表含有未知字段或格式不对 / the opening schedule has unknown fields or is not an object' },
);

export type OpeningSchedule = z.infer<typeof openingScheduleSchema>;

/** Validates an opening schedule; refuses with the first problem, naming the field. */
export function parseOpeningSchedule(value: unknown): OpeningSchedule {
  const parsed = openingScheduleSchema.safeParse(value);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0]!;
  const field = issue.path.join('.');
  const [zh, en] = splitMessage(issue.message);
  throw new BidBundleError('invalid-schedule', {
    zh: `开标一览表${field ? `（${field}）` : ''}：${zh}`,
    en: `opening schedule${field ? ` (${field})` : ''}: ${en}`,
  });
}

function splitMessage(message: string): [string, string] {
  const at = message.indexOf(' / ');
  return at < 0 ? [message, message] : [message.slice(0, at), message.slice(at + 3)];
}

/**
 * The schedule's bytes in the bundle: fixed key order and no whitespace, so the same schedule always
 * gives the same bytes (the bundle is reproducible, which the tests and a bidder's own check rely on).
 */
export function encodeOpeningSchedule(schedule: OpeningSchedule): Uint8Array {
  const { version, priceFen: price, durationDays, quality, bondReference } = parseOpeningSchedule(schedule);
  return new TextEncoder().encode(JSON.stringify({ version, priceFen: price, durationDays, quality, bondReference }));
}

/** Reads the schedule back from its bytes (at the opening); anything else than valid JSON is refused. */
export function decodeOpeningSchedule(bytes: Uint8Array): OpeningSchedule {
  let value: unknown;
  try {
    value = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch {
    throw new BidBundleError('invalid-schedule', {
      zh: '开标一览表不是有效的 UTF-8 JSON',
      en: 'the opening schedule is not valid UTF-8 JSON',
    });
  }
  return parseOpeningSchedule(value);
}
