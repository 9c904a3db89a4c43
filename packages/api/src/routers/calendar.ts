import { z } from 'zod';
import { requireRegionSection } from '../tender/access';
import { getPublicSection } from '../tender/portal';
import { listCalendarYears, listDocumentDownloads, listHolidays, listRegionCalendar, setHolidays } from '../tender/workspace';
import { appendTrace } from '@ggzy/audit';
import { actorOf } from '../context';
import { procedure, router } from '../trpc';

const instant = z.iso.datetime({ offset: true }).transform((v) => new Date(v));

/** The centre's calendar of deadlines and openings, the supervisor's read-only view, holidays. */
export const calendarRouter = router({
  sections: procedure('read:section:region')
    .input(z.object({ from: instant, to: instant }).refine((r) => r.to > r.from && r.to.getTime() - r.from.getTime() <= 366 * 86_400_000, { error: '时间范围应在一年以内 / the range must be within a year' }))
    .query(({ ctx, input }) => listRegionCalendar(ctx.db, ctx.account, input)),

  section: procedure('read:section:region')
    .input(z.object({ sectionId: z.uuid() }))
    .query(async ({ ctx, input }) => {
      await requireRegionSection(ctx.db, input.sectionId, ctx.account);
      return getPublicSection(ctx.db, input.sectionId);
    }),

  /** Who obtained the documents: for the supervisor only, and the reading is traced. */
  downloads: procedure('read:downloads:region')
    .input(z.object({ sectionId: z.uuid() }))
    .query(async ({ ctx, input }) => {
      await requireRegionSection(ctx.db, input.sectionId, ctx.account);
      const rows = await listDocumentDownloads(ctx.db, input.sectionId);
      await appendTrace(ctx.db, actorOf(ctx.request, ctx.account), { action: 'document.downloads.read', targetType: 'section', targetId: input.sectionId });
      return rows;
    }),

  holidays: procedure('read:section:region')
    .input(z.object({ year: z.number().int().min(2000).max(2100) }))
    .query(({ ctx, input }) => listHolidays(ctx.db, input.year)),

  /** The years the holiday calendar covers, and where each came from. */
  years: procedure('read:section:region').query(({ ctx }) => listCalendarYears(ctx.db)),

  setHolidays: procedure('update:calendar:any')
    .input(
      z.object({
        year: z.number().int().min(2000).max(2100),
        entries: z.array(z.object({ date: z.string(), kind: z.enum(['holiday', 'workday']), name: z.string().trim().min(1).max(50) })).max(120),
      }),
    )
    .mutation(({ ctx, input }) => setHolidays({ db: ctx.db, request: ctx.request, account: ctx.account, ...input })),
});
