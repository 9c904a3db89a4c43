/**
 * The web app's workspaces are one per role (/w/<role>). A page of another role's workspace is
 * answered 403 by the web app; it asks here first, so the API, which holds the trace log, refuses
 * it and traces the refusal (`auth.denied`, target `page`, reason `wrong-workspace`).
 */
import { appendTrace } from '@ggzy/audit';
import { AppError, type Role } from '@ggzy/domain';
import { UNAUTHENTICATED } from '../authorize';
import { actorOf, type ApiContext } from '../context';
import { markTraced } from '../refusals';

export async function requireWorkspace(ctx: ApiContext, options: { workspace: Role; page: string }): Promise<{ role: Role }> {
  const account = await ctx.session();
  if (!account) throw UNAUTHENTICATED;
  if (account.role === options.workspace) return { role: account.role };
  await appendTrace(ctx.db, actorOf(ctx.request, account), {
    action: 'auth.denied',
    outcome: 'denied',
    targetType: 'page',
    targetId: options.page,
    details: { reason: 'wrong-workspace', workspace: options.workspace },
  });
  throw markTraced(
    new AppError(
      'PERMISSION_DENIED',
      { zh: `这是${options.workspace}的工作台，当前账号无权访问`, en: `This is the ${options.workspace} workspace; your account may not open it` },
      { reason: 'wrong-workspace', workspace: options.workspace, role: account.role },
    ),
  );
}
