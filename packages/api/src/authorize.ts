import { appendTrace } from '@ggzy/audit';
import { AppError, roleHasPermission, type Access, type Permission } from '@ggzy/domain';
import { actorOf, type ApiContext, type SessionAccount } from './context';
import { markTraced } from './refusals';

export const UNAUTHENTICATED = new AppError('UNAUTHENTICATED', { zh: '请先登录', en: 'Please sign in first' });

/**
 * The one authorisation check, for tRPC procedures and the REST endpoints alike: a session is needed
 * unless the access is 'public'; the role must hold one of the permissions. A refusal is itself a
 * trace-log entry (attempts are evidence too).
 */
export async function authorizeAccess(ctx: ApiContext, access: Access | readonly Permission[], path: string): Promise<SessionAccount | null> {
  if (access === 'public') return ctx.session();
  const account = await ctx.session();
  if (!account) throw UNAUTHENTICATED;
  const needed: readonly Permission[] = typeof access === 'string' ? [access] : access;
  if (!needed.some((permission) => roleHasPermission(account.role, permission))) {
    const permission = needed.join('|');
    await appendTrace(ctx.db, actorOf(ctx.request, account), {
      action: 'auth.denied',
      outcome: 'denied',
      targetType: 'procedure',
      targetId: path,
      details: { permission, reason: 'role' },
    });
    throw markTraced(new AppError(
      'PERMISSION_DENIED',
      { zh: `没有权限执行此操作（需要 ${permission}）`, en: `You do not have permission for this (needs ${permission})` },
      { permission, path, reason: 'role' },
    ));
  }
  return account;
}
