import {
  appendTrace,
  getCheckpoint,
  getConsistencyProof,
  getInclusionProof,
  getTraceStatus,
  listCheckpoints,
  listSequencedEntries,
  searchTraceEntries,
} from '@ggzy/audit';
import { z } from 'zod';
import { actorOf } from '../context';
import { watchCheckpoints } from '../log/checkpoint-feed';
import { procedure, publicProcedure, router } from '../trpc';

const index = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);
const isoDate = z.iso.datetime({ offset: true, error: '时间格式应为 ISO 8601 / Use an ISO 8601 time' });

/**
 * The trace log. Checkpoints and proofs are public, so anyone can check that the log only grows;
 * the entries themselves (who, from which address) are for the supervisor, and reading them is
 * itself traced.
 */
export const logRouter = router({
  status: publicProcedure().query(async ({ ctx }) => {
    const [status, latest] = await Promise.all([getTraceStatus(ctx.db), getCheckpoint(ctx.db)]);
    return {
      ...status,
      origin: ctx.signer.origin,
      verifierKey: ctx.signer.verifierKey,
      checkpoint: latest ? { size: latest.size, root: latest.root, note: latest.note, signedAt: latest.createdAt.toISOString() } : null,
    };
  }),

  checkpoints: publicProcedure()
    .input(z.object({ fromSize: index.default(0), limit: z.number().int().min(1).max(10_000).default(1000) }))
    .query(async ({ ctx, input }) => {
      const rows = await listCheckpoints(ctx.db, { fromSize: input.fromSize, limit: input.limit });
      return rows.map((c) => ({ size: c.size, note: c.note }));
    }),

  inclusionProof: publicProcedure()
    .input(z.object({ index, size: index.optional() }))
    .query(async ({ ctx, input }) => {
      const proof = await getInclusionProof(ctx.db, input);
      return { index: proof.index, leafHash: proof.leafHash, proof: proof.proof, checkpoint: { size: proof.checkpoint.size, note: proof.checkpoint.note } };
    }),

  consistencyProof: publicProcedure()
    .input(z.object({ size1: index, size2: index }))
    .query(async ({ ctx, input }) => {
      const proof = await getConsistencyProof(ctx.db, input);
      return { proof: proof.proof, first: proof.first?.note ?? null, second: proof.second.note };
    }),

  /** Sequenced entries in tree order, for verifiers (ggzy verify-log). */
  entries: procedure('read:trace:any')
    .input(z.object({ fromSeq: index, limit: z.number().int().min(1).max(10_000).default(1000) }))
    .query(async ({ ctx, input }) => {
      const entries = await listSequencedEntries(ctx.db, input);
      await appendTrace(ctx.db, actorOf(ctx.request, ctx.account), {
        action: 'trace.read',
        targetType: 'trace',
        targetId: `${input.fromSeq}+${entries.length}`,
      });
      return entries;
    }),

  /** The supervisor's viewer: filter by actor, action, target and time, newest first. */
  search: procedure('read:trace:any')
    .input(
      z.object({
        actor: z.string().trim().max(100).optional(),
        action: z.string().trim().max(100).optional(),
        targetType: z.string().trim().max(50).optional(),
        targetId: z.string().trim().max(200).optional(),
        from: isoDate.optional(),
        to: isoDate.optional(),
        beforeId: index.optional(),
        limit: z.number().int().min(1).max(500).default(50),
      }),
    )
    .query(async ({ ctx, input }) => {
      const entries = await searchTraceEntries(ctx.db, {
        ...input,
        from: input.from ? new Date(input.from) : undefined,
        to: input.to ? new Date(input.to) : undefined,
      });
      await appendTrace(ctx.db, actorOf(ctx.request, ctx.account), {
        action: 'trace.search',
        targetType: 'trace',
        details: Object.fromEntries(
          Object.entries({ actor: input.actor, action: input.action, targetType: input.targetType, targetId: input.targetId, from: input.from, to: input.to })
            .filter((e): e is [string, string] => typeof e[1] === 'string' && e[1] !== ''),
        ),
      });
      return entries;
    }),

  /** Live: the newest signed checkpoint and the pending count, whenever they change. */
  watch: publicProcedure().subscription(({ ctx, signal }) => watchCheckpoints(ctx.db, signal)),
});
