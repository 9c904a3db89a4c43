import type { Route } from './+types/bidder';
import { SimpleWorkspace } from '../../components/workspace-shell';
import { requireRole } from '../../lib/session.server';

export async function loader({ request, context }: Route.LoaderArgs) {
  return { me: await requireRole(request, context, 'bidder') };
}

export default function BidderWorkspace({ loaderData }: Route.ComponentProps) {
  return <SimpleWorkspace me={loaderData.me} />;
}
