import { z } from 'zod';
import { getOwnTraceEntry } from '../bidding/own-trace-entry';
import { getSealingInfo } from '../bidding/sealing-info';
import { submitBid, withdrawBid } from '../bidding/submit';
import { getOwnReceipt, listOwnSubmissions } from '../bidding/submissions';
import { askQuestion } from '../tender/clarification';
import { fileObjection } from '../tender/objection';
import { forgetPortalList } from './portal';
import { listOwnBidding } from '../tender/workspace';
import { procedure, router } from '../trpc';

const signedRequest = z.object({
  /** The exact signed text (canonical JSON, docs/sealed-bids.md §5). */
  message: z.string().min(2).max(4096),
  signature: z.string().regex(/^[A-Za-z0-9+/]+={0,2}$/, { error: '签名应为 base64 / the signature must be base64' }).max(4096),
  certificateId: z.uuid(),
});

/** The bidder's procedures before the deadline: questions, objections, and sealed bids (docs/sealed-bids.md). */
export const biddingRouter = router({
  mine: procedure('read:bidding:own').query(({ ctx }) => listOwnBidding(ctx.db, ctx.account)),

  ask: procedure('create:question:any')
    .input(z.object({ sectionId: z.uuid(), question: z.string().trim().min(5, { error: '问题至少 5 个字 / at least 5 characters' }).max(5000) }))
    .mutation(({ ctx, input }) => askQuestion({ db: ctx.db, request: ctx.request, account: ctx.account, ...input })),

  object: procedure('create:objection:any')
    .input(z.object({ sectionId: z.uuid(), text: z.string().trim().min(10, { error: '异议内容至少 10 个字 / at least 10 characters' }).max(20_000) }))
    .mutation(async ({ ctx, input }) => {
      const filed = await fileObjection({ db: ctx.db, request: ctx.request, account: ctx.account, ...input });
      forgetPortalList(ctx.settings); // the list now shows bidding suspended
      return filed;
    }),

  sealingInfo: procedure('read:bidding:own')
    .input(z.object({ sectionId: z.uuid() }))
    .query(({ ctx, input }) => getSealingInfo(ctx, ctx.account, input.sectionId)),

  /** Submits (or replaces) the company's bid: a signed message naming a completed upload. */
  submit: procedure('create:bid:own')
    .input(signedRequest)
    .mutation(({ ctx, input }) => submitBid({ services: ctx, request: ctx.request, account: ctx.account }, input)),

  withdraw: procedure('create:bid:own')
    .input(signedRequest)
    .mutation(({ ctx, input }) => withdrawBid({ services: ctx, request: ctx.request, account: ctx.account }, input)),

  submissions: procedure('read:bidding:own')
    .input(z.object({ sectionId: z.uuid() }))
    .query(({ ctx, input }) => listOwnSubmissions(ctx, ctx.account, input.sectionId)),

  receipt: procedure('read:bidding:own')
    .input(z.object({ submissionId: z.uuid() }))
    .query(({ ctx, input }) => getOwnReceipt(ctx, ctx.account, input.submissionId)),

  /** The trace entry behind an own receipt, for `ggzy verify-receipt` run by the bidder itself. */
  traceEntry: procedure('read:bidding:own')
    .input(z.object({ submissionId: z.uuid() }))
    .query(({ ctx, input }) => getOwnTraceEntry({ db: ctx.db, request: ctx.request, account: ctx.account, submissionId: input.submissionId })),
});
