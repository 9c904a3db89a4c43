import { Link } from 'react-router';
import type { Route } from './+types/tender-new';
import { SectionForm } from '../../components/tender/section-form';
import { WorkspaceShell } from '../../components/workspace-shell';
import { useI18n } from '../../i18n/i18n';
import { serverApi } from '../../lib/api.server';
import { requireRole } from '../../lib/session.server';

/** /w/tenderer/new and /w/agency/new: the role is the URL's. */
export async function loader({ request, context }: Route.LoaderArgs) {
  const role = new URL(request.url).pathname.split('/')[2] === 'agency' ? ('agency' as const) : ('tenderer' as const);
  const me = await requireRole(request, context, role);
  const partners = await serverApi(request, context).directory.counterparts.query({ kind: role === 'agency' ? 'tenderer' : 'agency' });
  return { me, role, partners: partners.map((o) => ({ id: o.id, name: o.name })) };
}

export default function NewSection({ loaderData }: Route.ComponentProps) {
  const { t } = useI18n();
  const { me, role, partners } = loaderData;
  return (
    <WorkspaceShell me={me} title={t('tender.new')}>
      <p className="breadcrumb">
        <Link to={`/w/${role}`}>{t('tender.mine')}</Link> › {t('tender.new')}
      </p>
      <p className="muted">{t('form.intro')}</p>
      <SectionForm mode="create" role={role} partners={partners} />
    </WorkspaceShell>
  );
}
