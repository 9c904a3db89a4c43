import { loginPasswordSchema, newPasswordSchema, ROLE_LABELS, ROLES, usernameSchema } from '@ggzy/domain';
import { z } from 'zod';
import { certificateLogin, createLoginChallenge } from '../auth/certificate-login';
import { changePassword } from '../auth/change-password';
import { login } from '../auth/login';
import { logout } from '../auth/logout';
import { requireWorkspace } from '../auth/require-workspace';
import { SESSION_COOKIE } from '../context';
import { procedure, publicProcedure, router } from '../trpc';

export const authRouter = router({
  /** Who is signed in here (null for the public). */
  me: publicProcedure().query(async ({ ctx }) => {
    const account = await ctx.session();
    if (!account) return null;
    return {
      accountId: account.accountId,
      username: account.username,
      displayName: account.displayName,
      role: account.role,
      roleLabel: ROLE_LABELS[account.role],
      organisationId: account.organisationId,
      organisationName: account.organisationName,
      organisationCreditCode: account.organisationCreditCode ?? null,
      regionCode: account.regionCode,
    };
  }),

  /**
   * May the signed-in account open this workspace page? The web app asks before it answers 403, so
   * the refusal is decided and traced here (auth/require-workspace.ts).
   */
  workspace: publicProcedure()
    .input(z.object({ workspace: z.enum(ROLES), page: z.string().startsWith('/').max(300) }))
    .query(({ ctx, input }) => requireWorkspace(ctx, input)),

  login: publicProcedure()
    .input(z.object({ username: usernameSchema, password: loginPasswordSchema }))
    .mutation(async ({ ctx, input }) => {
      const result = await login({ db: ctx.db, request: ctx.request, ...input, ttlHours: ctx.settings.sessionTtlHours });
      ctx.setCookie(SESSION_COOKIE, result.token, { httpOnly: true, maxAgeSeconds: ctx.settings.sessionTtlHours * 3600 });
      return { role: result.role, username: result.username, expiresAt: result.expiresAt.toISOString() };
    }),

  /** 证书登录, step 1: random bytes to sign, valid 2 minutes, single use (docs/sealed-bids.md §1). */
  certificateChallenge: publicProcedure()
    .input(z.object({}).optional())
    .mutation(({ ctx }) => createLoginChallenge(ctx.db)),

  /** 证书登录, step 2: the signed challenge and the certificate; answers like `login`. */
  certificateLogin: publicProcedure()
    .input(
      z.object({
        challengeId: z.uuid(),
        certificatePem: z.string().trim().max(50_000).regex(/-----BEGIN CERTIFICATE-----/, { error: '应为 PEM 格式的证书 / must be a PEM certificate' }),
        signature: z.base64().max(2048),
      }),
    )
    .mutation(async ({ ctx, input }) => {
      const result = await certificateLogin({
        db: ctx.db,
        pki: ctx.pki,
        request: ctx.request,
        challengeId: input.challengeId,
        certificatePem: input.certificatePem,
        signature: new Uint8Array(Buffer.from(input.signature, 'base64')),
        ttlHours: ctx.settings.sessionTtlHours,
      });
      ctx.setCookie(SESSION_COOKIE, result.token, { httpOnly: true, maxAgeSeconds: ctx.settings.sessionTtlHours * 3600 });
      return { role: result.role, username: result.username, expiresAt: result.expiresAt.toISOString() };
    }),

  logout: procedure('read:session:own').mutation(async ({ ctx }) => {
    await logout({ db: ctx.db, request: ctx.request, account: ctx.account });
    ctx.clearCookie(SESSION_COOKIE);
    return { ok: true as const };
  }),

  changePassword: procedure('update:account:own')
    .input(z.object({ currentPassword: loginPasswordSchema, newPassword: newPasswordSchema }))
    .mutation(async ({ ctx, input }) => {
      await changePassword({ db: ctx.db, request: ctx.request, account: ctx.account, ...input });
      return { ok: true as const };
    }),
});
