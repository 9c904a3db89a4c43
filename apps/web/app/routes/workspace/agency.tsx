import type { Route } from './+types/agency';
import { SimpleWorkspace } from '../../components/workspace-shell';
import { requireRole } from '../../lib/session.server';

export async function loader({ request, context }: Route.LoaderArgs) {
  return { me: await requireRole(request, context, 'agency') };
}

export default function AgencyWorkspace({ loaderData }: Route.ComponentProps) {
  return <SimpleWorkspace me={loaderData.me} />;
}
