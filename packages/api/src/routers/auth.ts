import { loginPasswordSchema, newPasswordSchema, ROLE_LABELS, usernameSchema } from '@ggzy/domain';
import { z } from 'zod';
import { changePassword } from '../auth/change-password';
import { login } from '../auth/login';
import { logout } from '../auth/logout';
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
      regionCode: account.regionCode,
    };
  }),

  login: publicProcedure()
    .input(z.object({ username: usernameSchema, password: loginPasswordSchema }))
    .mutation(async ({ ctx, input }) => {
      const result = await login({ db: ctx.db, request: ctx.request, ...input, ttlHours: ctx.settings.sessionTtlHours });
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
