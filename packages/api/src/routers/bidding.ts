import { z } from 'zod';
import { askQuestion } from '../tender/clarification';
import { fileObjection } from '../tender/objection';
import { listOwnBidding } from '../tender/workspace';
import { procedure, router } from '../trpc';

/** The bidder's procedures before the deadline (sealed bids come with the sealed-bid work). */
export const biddingRouter = router({
  mine: procedure('read:bidding:own').query(({ ctx }) => listOwnBidding(ctx.db, ctx.account)),

  ask: procedure('create:question:any')
    .input(z.object({ sectionId: z.uuid(), question: z.string().trim().min(5, { error: '问题至少 5 个字 / at least 5 characters' }).max(5000) }))
    .mutation(({ ctx, input }) => askQuestion({ db: ctx.db, request: ctx.request, account: ctx.account, ...input })),

  object: procedure('create:objection:any')
    .input(z.object({ sectionId: z.uuid(), text: z.string().trim().min(10, { error: '异议内容至少 10 个字 / at least 10 characters' }).max(20_000) }))
    .mutation(({ ctx, input }) => fileObjection({ db: ctx.db, request: ctx.request, account: ctx.account, ...input })),
});
