import { ORGANISATION_KINDS } from '@ggzy/domain';
import { z } from 'zod';
import { listAccounts } from '../directory/list-accounts';
import { listCounterparts } from '../directory/list-counterparts';
import { listOrganisations } from '../directory/list-organisations';
import { setAccountStatus } from '../directory/set-account-status';
import { procedure, router } from '../trpc';

export const directoryRouter = router({
  organisations: procedure('read:organisation:region')
    .input(z.object({ kind: z.enum(ORGANISATION_KINDS).optional() }).optional())
    .query(({ ctx, input }) => listOrganisations(ctx.db, { account: ctx.account, kind: input?.kind })),

  /** For the drafting form: the agencies a tenderer may commission, or the tenderers an agency may act for. */
  counterparts: procedure('create:section:own')
    .input(z.object({ kind: z.enum(['agency', 'tenderer']) }))
    .query(({ ctx, input }) => listCounterparts(ctx.db, input.kind)),

  accounts: procedure('read:organisation:region').query(async ({ ctx }) => {
    const rows = await listAccounts(ctx.db, { account: ctx.account });
    return rows.map((r) => ({ ...r, createdAt: r.createdAt.toISOString() }));
  }),

  setAccountStatus: procedure('update:account:region')
    .input(z.object({ accountId: z.uuid({ error: '账号编号格式错误 / Malformed account id' }), status: z.enum(['active', 'disabled']) }))
    .mutation(({ ctx, input }) =>
      setAccountStatus({ db: ctx.db, request: ctx.request, account: ctx.account, accountId: input.accountId, status: input.status }),
    ),
});
