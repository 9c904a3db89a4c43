import type { Route } from './+types/tenderer';
import { SimpleWorkspace } from '../../components/workspace-shell';
import { requireRole } from '../../lib/session.server';

export async function loader({ request, context }: Route.LoaderArgs) {
  return { me: await requireRole(request, context, 'tenderer') };
}

export default function TendererWorkspace({ loaderData }: Route.ComponentProps) {
  return <SimpleWorkspace me={loaderData.me} />;
}
