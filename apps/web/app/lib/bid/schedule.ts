import { openingScheduleSchema, type OpeningSchedule } from '@ggzy/domain/bid';
import type { Bilingual, FieldErrors } from '../errors';
import { yuanToFen } from '../money';

export interface ScheduleValues {
  price: string;
  durationDays: string;
  quality: string;
  bondReference: string;
}

export const EMPTY_SCHEDULE: ScheduleValues = { price: '', durationDays: '', quality: '', bondReference: '' };

/** Keyed `schedule.<field>`, the shape FieldError reads. */
export type ScheduleErrors = FieldErrors;

const FIELD_OF: Record<string, keyof ScheduleValues> = { priceFen: 'price', durationDays: 'durationDays', quality: 'quality', bondReference: 'bondReference' };

function bilingual(message: string): Bilingual {
  const at = message.indexOf(' / ');
  return at < 0 ? { zh: message, en: message } : { zh: message.slice(0, at), en: message.slice(at + 3) };
}

/**
 * The form's values as the domain's opening schedule, validated by the domain's own schema (the
 * one the opening will read it with), or the problems beside each field. Yuan in, fen out.
 */
export function parseSchedule(values: ScheduleValues, priceInvalid: Bilingual): { schedule: OpeningSchedule } | { errors: ScheduleErrors } {
  const errors: ScheduleErrors = {};
  const priceFen = yuanToFen(values.price);
  if (priceFen === null) errors['schedule.price'] = [priceInvalid];
  const duration = values.durationDays.trim() === '' ? Number.NaN : Number(values.durationDays.normalize('NFKC').trim());
  const parsed = openingScheduleSchema.safeParse({
    version: 1,
    priceFen: priceFen ?? 0,
    durationDays: duration,
    quality: values.quality,
    bondReference: values.bondReference,
  });
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const field = FIELD_OF[String(issue.path[0])];
      if (field && !(field === 'price' && priceFen === null)) (errors[`schedule.${field}`] ??= []).push(bilingual(issue.message));
    }
  }
  if (Object.keys(errors).length > 0 || !parsed.success) return { errors };
  return { schedule: parsed.data };
}
