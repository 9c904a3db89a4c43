import { z } from 'zod';
import { enrolCertificate } from '../certificate/enrol-certificate';
import { listOwnCertificates } from '../certificate/list-certificates';
import { registerCertificate } from '../certificate/register-certificate';
import { revokeCertificate } from '../certificate/revoke-certificate';
import { procedure, router } from '../trpc';

const pem = (label: string, max: number) =>
  z.string().trim().max(max).regex(new RegExp(`-----BEGIN ${label}-----`), { error: `应为 PEM 格式 / must be PEM (${label})` });

/** 数字证书 (docs/sealed-bids.md §1): enrol with the platform CA, register an external CA's, list, revoke. */
export const certificateRouter = router({
  enrol: procedure('create:certificate:own')
    .input(z.object({ csrPem: pem('CERTIFICATE REQUEST', 20_000) }))
    .mutation(({ ctx, input }) => enrolCertificate({ db: ctx.db, pki: ctx.pki, request: ctx.request, account: ctx.account, csrPem: input.csrPem })),

  register: procedure('create:certificate:own')
    .input(z.object({ certificatePem: pem('CERTIFICATE', 50_000), chainPem: z.array(pem('CERTIFICATE', 50_000)).max(4).optional() }))
    .mutation(({ ctx, input }) => registerCertificate({ db: ctx.db, pki: ctx.pki, request: ctx.request, account: ctx.account, ...input })),

  mine: procedure('read:certificate:own').query(({ ctx }) => listOwnCertificates(ctx.db, ctx.account)),

  revoke: procedure('update:certificate:own')
    .input(z.object({ id: z.uuid(), reason: z.string().trim().min(2, { error: '请说明吊销原因 / give a reason' }).max(500) }))
    .mutation(({ ctx, input }) => revokeCertificate({ db: ctx.db, request: ctx.request, account: ctx.account, ...input })),
});
