import { SECTION_STATES, TENDER_METHODS, TRANSACTION_TYPES } from '@ggzy/domain';
import { z } from 'zod';
import { listReleasePackage, sectionReleasePackage } from '../tender/ocds';
import { listRegions } from '../directory/list-regions';
import { getPublicSection } from '../tender/portal';
import { createPortalCache } from '../tender/portal-cache';
import type { Services } from '../context';

const caches = new WeakMap<Services['settings'], ReturnType<typeof createPortalCache>>();
const cacheFor = (settings: Services['settings']) => {
  let cache = caches.get(settings);
  if (!cache) caches.set(settings, (cache = createPortalCache(settings.portalCacheSeconds ?? 0)));
  return cache;
};

/** How the portal's list cache of these settings has answered so far (for the bench and operators). */
export const portalCacheStats = (settings: Services['settings']) => cacheFor(settings).stats;

/** Forgets the portal list's cached pages after a change it shows at once (see portal-cache.ts). */
export const forgetPortalList = (settings: Services['settings']) => cacheFor(settings).forget();
import { publicProcedure, router } from '../trpc';

const instant = z.iso.datetime({ offset: true }).transform((v) => new Date(v));

/** What anyone may read: published notices and results. */
export const portalRouter = router({
  search: publicProcedure()
    .input(
      z.object({
        type: z.enum(TRANSACTION_TYPES).optional(),
        method: z.enum(TENDER_METHODS).optional(),
        state: z.enum(SECTION_STATES).exclude(['draft']).optional(),
        regionCode: z.string().regex(/^\d{6}$/, { error: '地区代码为 6 位数字 / region codes have 6 digits' }).optional(),
        keyword: z.string().trim().max(100).optional(),
        publishedFrom: instant.optional(),
        publishedTo: instant.optional(),
        deadlineFrom: instant.optional(),
        deadlineTo: instant.optional(),
        page: z.number().int().min(1).max(10_000).default(1),
        pageSize: z.number().int().min(1).max(50).default(20),
      }),
    )
    .query(({ ctx, input }) => cacheFor(ctx.settings).search(ctx.db, { ...input, keyword: input.keyword || undefined })),

  /** The regions, parents first, for the region filter (a region includes the ones below it). */
  regions: publicProcedure().query(({ ctx }) => listRegions(ctx.db)),

  section: publicProcedure()
    .input(z.object({ sectionId: z.uuid() }))
    .query(({ ctx, input }) => getPublicSection(ctx.db, input.sectionId)),

  /** OCDS 1.1 release package of one published section. */
  ocdsSection: publicProcedure()
    .input(z.object({ sectionId: z.uuid() }))
    .query(({ ctx, input }) => sectionReleasePackage(ctx.db, ctx.settings, input.sectionId)),

  /** OCDS releases of every published section, in publication order, paged by cursor. */
  ocdsReleases: publicProcedure()
    .input(z.object({ after: z.string().max(100).optional(), limit: z.number().int().min(1).max(100).default(50) }))
    .query(({ ctx, input }) => listReleasePackage(ctx.db, ctx.settings, input)),
});
