import { appendTrace } from '@ggzy/audit';
import { calendarYear, holiday, sql, type Database } from '@ggzy/db';
import { OFFICIAL_CN_HOLIDAYS, PROJECTED_CN_HOLIDAYS, type HolidayEntry } from '@ggzy/domain';

/**
 * Loads the holiday arrangements shipped with the platform for every year the calendar does not
 * cover yet: the State Council's published notices always (so a fresh deployment does not count
 * National Day as working days), and, for the demo data and tests only, the projected arrangements
 * of years not yet published (named as projections). A year the centre entered, even as empty, is
 * never touched; nor is one loaded before. Each year loaded is traced. Returns the years loaded.
 */
export async function loadShippedHolidays(db: Database, options: { projected?: boolean } = {}): Promise<number[]> {
  const sources: Array<[Readonly<Record<number, readonly HolidayEntry[]>>, 'published' | 'projected']> = [[OFFICIAL_CN_HOLIDAYS, 'published']];
  if (options.projected) sources.push([PROJECTED_CN_HOLIDAYS, 'projected']);
  return db.transaction(async (tx) => {
    const loaded: number[] = [];
    for (const [years, source] of sources) {
      for (const [year, entries] of Object.entries(years)) {
        const claimed = await tx.insert(calendarYear).values({ year: Number(year), source }).onConflictDoNothing().returning({ year: calendarYear.year });
        if (claimed.length === 0) continue;
        const named = entries.map((e) => ({ date: e.date, kind: e.kind, name: source === 'projected' ? `${e.name}（预计）` : e.name }));
        await tx.delete(holiday).where(sql`${holiday.date} between ${`${year}-01-01`} and ${`${year}-12-31`}`);
        await tx.insert(holiday).values(named);
        await appendTrace(tx, { actorName: 'system' }, {
          action: 'calendar.load',
          targetType: 'calendar',
          targetId: year,
          details: { source, holidays: String(named.filter((e) => e.kind === 'holiday').length), workdays: String(named.filter((e) => e.kind === 'workday').length) },
        });
        loaded.push(Number(year));
      }
    }
    return loaded;
  });
}
