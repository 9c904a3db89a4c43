import { z } from 'zod';
import { drawCommittee, drawRecord, listCommittee, myDraws, requestCommittee, respondToDraw } from '../evaluation/draw';
import { importExperts } from '../evaluation/import';
import {
  conflictsSchema,
  createExpert,
  expertFieldsSchema,
  listExperts,
  listSpecialties,
  myProfile,
  saveSpecialty,
  setExpertStatus,
  specialtyCodeSchema,
  unavailableSchema,
  updateExpert,
  updateMyProfile,
} from '../evaluation/pool';
import { procedure, router } from '../trpc';

const sectionId = z.uuid();
const reason = z.string().trim().min(2, { error: '请说明原因（至少 2 个字）/ give a reason (at least 2 characters)' }).max(500);

/** The expert pool and the committee draw (issue 13, docs/expert-draw.md). */
export const evaluationRouter = router({
  specialties: procedure(['manage:experts:region', 'draw:committee:region', 'update:expert:own', 'read:committee:region']).query(({ ctx }) => listSpecialties(ctx.db)),

  saveSpecialty: procedure('manage:experts:region')
    .input(z.object({ code: specialtyCodeSchema, name: z.string().trim().min(1).max(100), parentCode: specialtyCodeSchema.nullable().default(null) }))
    .mutation(({ ctx, input }) => saveSpecialty({ db: ctx.db, request: ctx.request, account: ctx.account, ...input })),

  experts: procedure('manage:experts:region')
    .input(z.object({ specialty: specialtyCodeSchema.optional(), status: z.enum(['active', 'disabled']).optional() }).default({}))
    .query(({ ctx, input }) => listExperts(ctx.db, ctx.account, input)),

  createExpert: procedure('manage:experts:region')
    .input(expertFieldsSchema)
    .mutation(({ ctx, input }) => createExpert({ db: ctx.db, request: ctx.request, account: ctx.account, fields: input })),

  updateExpert: procedure('manage:experts:region')
    .input(z.object({ expertId: z.uuid(), fields: expertFieldsSchema }))
    .mutation(({ ctx, input }) => updateExpert({ db: ctx.db, request: ctx.request, account: ctx.account, ...input })),

  setExpertStatus: procedure('manage:experts:region')
    .input(z.object({ expertId: z.uuid(), status: z.enum(['active', 'disabled']), reason }))
    .mutation(({ ctx, input }) => setExpertStatus({ db: ctx.db, request: ctx.request, account: ctx.account, ...input })),

  /** A spreadsheet saved as CSV (UTF-8): taken whole or refused whole with every bad row. */
  importExperts: procedure('manage:experts:region')
    .input(z.object({ format: z.literal('csv'), content: z.string().min(1).max(5 * 1024 * 1024, { error: '文件不能超过 5 MB / the file is at most 5 MB' }) }))
    .mutation(({ ctx, input }) => importExperts({ db: ctx.db, request: ctx.request, account: ctx.account, content: input.content })),

  myProfile: procedure('update:expert:own').query(({ ctx }) => myProfile(ctx.db, ctx.account)),

  updateMyProfile: procedure('update:expert:own')
    .input(z.object({ unavailable: unavailableSchema.optional(), conflicts: conflictsSchema.optional() }))
    .mutation(({ ctx, input }) => updateMyProfile({ db: ctx.db, request: ctx.request, account: ctx.account, ...input })),

  requestCommittee: procedure('draw:committee:region')
    .input(
      z.object({
        sectionId,
        needs: z
          .array(z.object({ specialty: specialtyCodeSchema, count: z.number().int().min(1).max(99) }).strict())
          .min(1, { error: '请至少指定一个专业及人数 / name at least one specialty and count' })
          .max(32),
        regionScope: z.enum(['own', 'cross']),
        tendererRepresentatives: z.number().int().min(0).max(20),
        evaluationStartsAt: z.coerce.date(),
        offSite: z.boolean().default(false),
      }),
    )
    .mutation(({ ctx, input }) => requestCommittee({ db: ctx.db, request: ctx.request, account: ctx.account, input })),

  /** Draws the next round (the first, or a refill of the declines): commitment, a later checkpoint, the draw, the reveal. */
  draw: procedure('draw:committee:region')
    .input(z.object({ sectionId }))
    .mutation(({ ctx, input }) => drawCommittee(ctx, { db: ctx.db, request: ctx.request, account: ctx.account, sectionId: input.sectionId })),

  /** The caller's own draws (notifications in the expert's workspace). */
  myDraws: procedure('update:expert:own').query(({ ctx }) => myDraws(ctx.db, ctx.account)),

  respond: procedure('update:expert:own')
    .input(z.object({ sectionId, decision: z.enum(['confirm', 'decline']), reason: reason.optional() }))
    .mutation(({ ctx, input }) => respondToDraw({ db: ctx.db, request: ctx.request, account: ctx.account, ...input })),

  /** The members' names: the section's centre and its supervisor only; every read is a trace entry. */
  committee: procedure('read:committee:region')
    .input(z.object({ sectionId }))
    .query(({ ctx, input }) => listCommittee({ db: ctx.db, request: ctx.request, account: ctx.account, sectionId: input.sectionId })),

  /** The draw record (docs/expert-draw.md §5) for `ggzy verify-draw`. */
  drawRecord: procedure('read:committee:region')
    .input(z.object({ sectionId }))
    .query(({ ctx, input }) => drawRecord({ db: ctx.db, request: ctx.request, account: ctx.account, sectionId: input.sectionId })),
});
