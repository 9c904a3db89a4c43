import type { Route } from './+types/agency';
import { TenderWorkspace } from '../../components/tender/own-sections';
import { serverApi } from '../../lib/api.server';
import { apiErrorOf } from '../../lib/errors';
import { requireRole } from '../../lib/session.server';

export async function loader({ request, context }: Route.LoaderArgs) {
  const me = await requireRole(request, context, 'agency');
  try {
    return { me, sections: await serverApi(request, context).tender.mine.query(), error: null };
  } catch (error) {
    return { me, sections: [], error: apiErrorOf(error) ?? { code: 'INTERNAL', zh: '无法加载标段列表', en: 'Could not load your sections' } };
  }
}

export default function AgencyWorkspace({ loaderData }: Route.ComponentProps) {
  return <TenderWorkspace me={loaderData.me} sections={loaderData.sections} error={loaderData.error} />;
}
