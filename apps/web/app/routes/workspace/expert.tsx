import type { Route } from './+types/expert';
import { SimpleWorkspace } from '../../components/workspace-shell';
import { requireRole } from '../../lib/session.server';

export async function loader({ request, context }: Route.LoaderArgs) {
  return { me: await requireRole(request, context, 'expert') };
}

export default function ExpertWorkspace({ loaderData }: Route.ComponentProps) {
  return <SimpleWorkspace me={loaderData.me} />;
}
