import { createSectionSchema, publishSectionSchema, sectionFieldsSchema } from '@ggzy/domain';
import { z } from 'zod';
import { listSectionBidders } from '../bidding/bidders';
import { cancelSection } from '../tender/cancel-section';
import { issueClarification } from '../tender/clarification';
import { createSection } from '../tender/create-section';
import { answerObjection } from '../tender/objection';
import { forgetPortalList } from './portal';
import { publishSection } from '../tender/publish-section';
import { retenderSection } from '../tender/retender';
import { updateSection } from '../tender/update-section';
import { getOwnSection, listOwnSections } from '../tender/workspace';
import { procedure, router } from '../trpc';

const text = (max: number, zh: string, en: string) => z.string().trim().min(1, { error: `${zh} / ${en}` }).max(max);

/** The tenderer's and agency's procedures for their own sections. */
export const tenderRouter = router({
  mine: procedure('read:section:own').query(({ ctx }) => listOwnSections(ctx.db, ctx.account)),

  get: procedure('read:section:own')
    .input(z.object({ sectionId: z.uuid() }))
    .query(({ ctx, input }) => getOwnSection(ctx.db, ctx.account, input.sectionId)),

  create: procedure('create:section:own')
    .input(createSectionSchema)
    .mutation(({ ctx, input }) => createSection({ db: ctx.db, request: ctx.request, account: ctx.account, input })),

  update: procedure('update:section:own')
    .input(z.object({ sectionId: z.uuid(), fields: sectionFieldsSchema }))
    .mutation(({ ctx, input }) => updateSection({ db: ctx.db, request: ctx.request, account: ctx.account, sectionId: input.sectionId, fields: input.fields })),

  publish: procedure('update:section:own')
    .input(publishSectionSchema)
    .mutation(({ ctx, input }) => publishSection({ db: ctx.db, pki: ctx.pki, request: ctx.request, account: ctx.account, ...input })),

  /** Answers questions (a clarification) or amends the section; may move the deadline by the 15-day rule. */
  issue: procedure('update:section:own')
    .input(
      z.object({
        sectionId: z.uuid(),
        kind: z.enum(['clarification', 'amendment']),
        title: text(200, '请填写标题', 'write a title'),
        bodyHtml: text(200_000, '请填写正文', 'write the text'),
        affectsBids: z.boolean(),
        questionIds: z.array(z.uuid()).max(200).optional(),
      }),
    )
    .mutation(({ ctx, input }) => issueClarification({ db: ctx.db, request: ctx.request, account: ctx.account, ...input })),

  answerObjection: procedure('update:section:own')
    .input(z.object({ objectionId: z.uuid(), answerHtml: text(100_000, '请填写答复', 'write the answer') }))
    .mutation(async ({ ctx, input }) => {
      const answered = await answerObjection({ db: ctx.db, request: ctx.request, account: ctx.account, ...input });
      forgetPortalList(ctx.settings); // bidding resumed, the deadline perhaps moved
      return answered;
    }),

  /** A failed or cancelled section tendered again: a new draft pointing back to it. */
  retender: procedure('update:section:own')
    .input(z.object({ sectionId: z.uuid() }))
    .mutation(({ ctx, input }) => retenderSection({ db: ctx.db, request: ctx.request, account: ctx.account, sectionId: input.sectionId })),

  /** Who has a bid in the section (names and status; the supervisor also sees when each arrived). */
  bidders: procedure(['read:bids:own', 'read:bids:region'])
    .input(z.object({ sectionId: z.uuid() }))
    .query(({ ctx, input }) => listSectionBidders(ctx.db, { request: ctx.request, account: ctx.account, sectionId: input.sectionId })),

  cancel: procedure('update:section:own')
    .input(z.object({ sectionId: z.uuid(), reason: text(1000, '请填写终止原因', 'give the reason') }))
    .mutation(({ ctx, input }) => cancelSection({ db: ctx.db, request: ctx.request, account: ctx.account, ...input })),
});
