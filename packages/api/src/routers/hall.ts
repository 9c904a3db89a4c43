import { tracked } from '@trpc/server';
import { z } from 'zod';
import { watchLive } from '../live/watch';
import { hallRoleOf, loadHall } from '../opening/access';
import { hallTopic } from '../opening/events';
import { decideBid, extendDecryption, pauseHall, postMessage, resumeHall, startDecryption } from '../opening/host';
import { handOverKey } from '../opening/hand-over';
import { answerObjection, closeRecord, confirmRecord, objectToRecord, openConfirmation } from '../opening/confirm';
import { createHallChallenge, signIn } from '../opening/sign-in';
import { listReadableOpenedBids } from '../opening/opened-bids';
import { getHall } from '../opening/snapshot';
import { hallWatchInput } from '../opening/hall-stream';
import { fetchShare, submitShare } from '../opening/recovery';
import { procedure, publicProcedure, router } from '../trpc';

const sectionId = z.uuid();
const base64 = z.string().regex(/^[A-Za-z0-9+/]+={0,2}$/, { error: '应为 base64 / must be base64' });
const reason = z.string().trim().min(2, { error: '请说明原因（至少 2 个字）/ give a reason (at least 2 characters)' }).max(500);

/** The opening hall (不见面开标), docs/opening-hall.md. */
export const hallRouter = router({
  get: publicProcedure()
    .input(z.object({ sectionId }))
    .query(async ({ ctx, input }) => getHall(ctx.db, input.sectionId, await ctx.session())),

  /**
   * Live: every hall event after `lastEventId` (the last one seen, or the snapshot's), in order,
   * tracked by its seq. Over HTTP the API answers this path itself (opening/hall-stream.ts, the
   * same SSE bytes written once per event for every watcher); this procedure is its type for the
   * client, and answers whatever the fast path leaves to tRPC (refusals, invalid input).
   */
  watch: publicProcedure()
    .input(hallWatchInput)
    .subscription(async function* ({ ctx, input, signal }) {
      const { section } = await loadHall(ctx.db, input.sectionId);
      const me = await hallRoleOf(ctx.db, section, await ctx.session());
      for await (const event of watchLive(ctx, { topic: hallTopic(input.sectionId), after: Number(input.lastEventId ?? 0), audiences: me.audiences, ...(signal ? { signal } : {}) })) {
        yield tracked(String(event.seq), event);
      }
    }),

  /** The opened bids of the section the caller may download (GET /api/sections/:id/bids/:organisationId/opened); none for anyone else. */
  openedBids: procedure(['read:bidding:own', 'read:bids:region', 'read:bids:own'])
    .input(z.object({ sectionId }))
    .query(({ ctx, input }) => listReadableOpenedBids(ctx.db, { sectionId: input.sectionId, reader: { kind: 'session', account: ctx.account, request: ctx.request } })),

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

  decide: procedure('host:hall:region')
    .input(z.object({ sectionId, organisationId: z.uuid(), outcome: z.enum(['revoked', 'withdrawn']), reason }))
    .mutation(({ ctx, input }) => decideBid({ db: ctx.db, request: ctx.request, account: ctx.account, ...input })),

  /** A sign-in challenge for the caller's company (the text to sign is in `message`). */
  challenge: procedure('attend:hall:own')
    .input(z.object({ sectionId }))
    .mutation(({ ctx, input }) => createHallChallenge({ db: ctx.db, request: ctx.request, account: ctx.account, ...input })),

  signIn: procedure('attend:hall:own')
    .input(z.object({ sectionId, message: z.string().min(2).max(2048), signature: base64.max(4096), certificateId: z.uuid() }))
    .mutation(({ ctx, input }) => signIn({ db: ctx.db, pki: ctx.pki, request: ctx.request, account: ctx.account, ...input })),

  /** The bidder's bare content key (32 bytes, base64), unwrapped locally; nothing else leaves the bidder. */
  handOverKey: procedure('attend:hall:own')
    .input(z.object({ sectionId, organisationId: z.uuid().optional(), contentKey: base64.refine((v) => Buffer.from(v, 'base64').length === 32, { error: '内容密钥应为 32 字节 / a content key is 32 bytes' }) }))
    .mutation(({ ctx, input }) =>
      handOverKey({ db: ctx.db, store: ctx.store, request: ctx.request, account: ctx.account, sectionId: input.sectionId, organisationId: input.organisationId, contentKey: new Uint8Array(Buffer.from(input.contentKey, 'base64')) }),
    ),

  /** A custodian's own sealed share of the section's opening key, with a challenge to sign its submission (docs/opening-hall.md §9). */
  shares: procedure('recover:hall:own')
    .input(z.object({ sectionId }))
    .mutation(({ ctx, input }) => fetchShare({ db: ctx.db, request: ctx.request, account: ctx.account, ...input })),

  /** A custodian's plain share (opened locally) to recover one bid, signed with its current certificate (`ggzy-hall-share/v1`). */
  submitShare: procedure('recover:hall:own')
    .input(
      z.object({
        sectionId,
        organisationId: z.uuid(),
        keyId: z.string().regex(/^[0-9a-f]{64}$/, { error: '开标密钥编号应为 64 位十六进制 / the opening key id is 64 hex digits' }),
        share: base64.max(16384),
        message: z.string().min(2).max(2048),
        signature: base64.max(4096),
        certificateId: z.uuid(),
      }),
    )
    .mutation(({ ctx, input }) =>
      submitShare({ db: ctx.db, store: ctx.store, pki: ctx.pki, request: ctx.request, account: ctx.account, ...input, share: new Uint8Array(Buffer.from(input.share, 'base64')) }),
    ),

  openConfirmation: procedure('host:hall:region')
    .input(z.object({ sectionId, minutes: z.number().int().min(5).max(240).default(30) }))
    .mutation(({ ctx, input }) => openConfirmation({ db: ctx.db, request: ctx.request, account: ctx.account, ...input })),

  /** A bidder's signed confirmation of the record (`ggzy-opening-confirm/v1` over the record's digest). */
  confirm: procedure('attend:hall:own')
    .input(z.object({ sectionId, message: z.string().min(2).max(2048), signature: base64.max(4096), certificateId: z.uuid() }))
    .mutation(({ ctx, input }) => confirmRecord({ db: ctx.db, pki: ctx.pki, request: ctx.request, account: ctx.account, ...input })),

  object: procedure('attend:hall:own')
    .input(z.object({ sectionId, text: z.string().trim().min(5, { error: '异议内容至少 5 个字 / at least 5 characters' }).max(5000) }))
    .mutation(({ ctx, input }) => objectToRecord({ db: ctx.db, request: ctx.request, account: ctx.account, ...input })),

  answer: procedure('host:hall:region')
    .input(z.object({ sectionId, objectionId: z.uuid(), answer: z.string().trim().min(2).max(5000) }))
    .mutation(({ ctx, input }) => answerObjection({ db: ctx.db, request: ctx.request, account: ctx.account, ...input })),

  close: procedure('host:hall:region')
    .input(z.object({ sectionId }))
    .mutation(({ ctx, input }) => closeRecord({ db: ctx.db, store: ctx.store, pdfSigner: ctx.pdfSigner, request: ctx.request, account: ctx.account, ...input })),
});
