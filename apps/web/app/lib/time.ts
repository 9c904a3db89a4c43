/** The platform's time zone: every time on screen is Beijing time, on the server and in the browser alike. */
export const TIME_ZONE = 'Asia/Shanghai';

const formatter = new Intl.DateTimeFormat('sv-SE', {
  timeZone: TIME_ZONE,
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
  hourCycle: 'h23',
});

/** 2026-11-22 23:31:04, Beijing time. */
export function formatTime(iso: string): string {
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : formatter.format(date);
}

/**
 * A `datetime-local` value (2026-11-22T15:30) read as Beijing time, as ISO 8601 with an offset;
 * undefined when it is empty or malformed.
 */
export function beijingLocalToIso(value: string | null): string | undefined {
  if (!value || !/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2})?$/.test(value)) return undefined;
  const withSeconds = value.length === 16 ? `${value}:00` : value;
  const date = new Date(`${withSeconds}+08:00`);
  return Number.isNaN(date.getTime()) ? undefined : date.toISOString();
}

/** The same, as ISO 8601 with the +08:00 offset written out (what a person typed, unchanged). */
export function beijingLocalToOffsetIso(value: string | null): string | undefined {
  if (beijingLocalToIso(value) === undefined) return undefined;
  return `${value!.length === 16 ? `${value}:00` : value}+08:00`;
}

/** An instant as a `datetime-local` value in Beijing time, to the second (for editing a draft). */
export function isoToBeijingLocal(iso: string): string {
  const text = formatTime(iso);
  return text === iso ? '' : text.replace(' ', 'T');
}

/** The Beijing calendar date of an instant: 2026-11-22. */
export function beijingDateOf(iso: string): string {
  return formatTime(iso).slice(0, 10);
}

/**
 * A date filter (YYYY-MM-DD, a Beijing calendar day) as the instant that starts it, or with
 * `endOfDay` its last millisecond, so that "to 22 November" includes the whole of the 22nd.
 */
export function beijingDateToIso(value: string | null, endOfDay = false): string | undefined {
  if (!value || !/^\d{4}-\d{2}-\d{2}$/.test(value)) return undefined;
  const date = new Date(`${value}T${endOfDay ? '23:59:59.999' : '00:00:00'}+08:00`);
  return Number.isNaN(date.getTime()) || beijingDateOf(date.toISOString()) !== value ? undefined : date.toISOString();
}
