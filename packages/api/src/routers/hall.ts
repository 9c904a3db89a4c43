import { tracked } from '@trpc/server';
import { z } from 'zod';
import { watchLive } from '../live/watch';
import { hallRoleOf, loadHall } from '../opening/access';
import { hallTopic } from '../opening/events';
import { extendDecryption, pauseHall, postMessage, resumeHall, startDecryption } from '../opening/host';
import { getHall } from '../opening/snapshot';
import { procedure, publicProcedure, router } from '../trpc';

const sectionId = z.uuid();
const reason = z.string().trim().min(2, { error: '请说明原因（至少 2 个字）/ give a reason (at least 2 characters)' }).max(500);

/** The opening hall (不见面开标), docs/opening-hall.md. */
export const hallRouter = router({
  get: publicProcedure()
    .input(z.object({ sectionId }))
    .query(async ({ ctx, input }) => getHall(ctx.db, input.sectionId, await ctx.session())),

  /** Live: every hall event after `lastEventId` (the last one seen, or the snapshot's), in order, tracked by its seq. */
  watch: publicProcedure()
    .input(z.object({ sectionId, lastEventId: z.string().regex(/^\d{1,15}$/).nullish() }))
    .subscription(async function* ({ ctx, input, signal }) {
      const { section } = await loadHall(ctx.db, input.sectionId);
      const me = await hallRoleOf(ctx.db, section, await ctx.session());
      for await (const event of watchLive(ctx, { topic: hallTopic(input.sectionId), after: Number(input.lastEventId ?? 0), audiences: me.audiences, ...(signal ? { signal } : {}) })) {
        yield tracked(String(event.seq), event);
      }
    }),

  startDecryption: procedure('host:hall:region')
    .input(z.object({ sectionId, minutes: z.number().int().min(5).max(240).optional() }))
    .mutation(({ ctx, input }) => startDecryption({ db: ctx.db, request: ctx.request, account: ctx.account, ...input })),

  extendDecryption: procedure('host:hall:region')
    .input(z.object({ sectionId, minutes: z.number().int().min(1).max(120), reason }))
    .mutation(({ ctx, input }) => extendDecryption({ db: ctx.db, request: ctx.request, account: ctx.account, ...input })),

  pause: procedure('host:hall:region')
    .input(z.object({ sectionId, reason }))
    .mutation(({ ctx, input }) => pauseHall({ db: ctx.db, request: ctx.request, account: ctx.account, ...input })),

  resume: procedure('host:hall:region')
    .input(z.object({ sectionId, reason }))
    .mutation(({ ctx, input }) => resumeHall({ db: ctx.db, request: ctx.request, account: ctx.account, ...input })),

  message: procedure('host:hall:region')
    .input(z.object({ sectionId, text: z.string().trim().min(1).max(2000) }))
    .mutation(({ ctx, input }) => postMessage({ db: ctx.db, request: ctx.request, account: ctx.account, ...input })),
});
