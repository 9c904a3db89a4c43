import { redirect } from 'react-router';
import type { Route } from './+types/index';
import { requireAccount } from '../../lib/session.server';

/** /w: the signed-in role's own workspace. */
export async function loader({ request, context }: Route.LoaderArgs) {
  const me = await requireAccount(request, context);
  return redirect(`/w/${me.role}`);
}
