import type { Route } from './+types/guarantor';
import { SimpleWorkspace } from '../../components/workspace-shell';
import { requireRole } from '../../lib/session.server';

export async function loader({ request, context }: Route.LoaderArgs) {
  return { me: await requireRole(request, context, 'guarantor') };
}

export default function GuarantorWorkspace({ loaderData }: Route.ComponentProps) {
  return <SimpleWorkspace me={loaderData.me} />;
}
