import { Link } from 'react-router';
import type { Route } from './+types/supervisor';
import { AccountCard, ComingNext, WorkspaceShell } from '../../components/workspace-shell';
import { useI18n } from '../../i18n/i18n';
import { serverApi } from '../../lib/api.server';
import { apiErrorOf } from '../../lib/errors';
import { requireRole } from '../../lib/session.server';

export async function loader({ request, context }: Route.LoaderArgs) {
  const me = await requireRole(request, context, 'supervisor');
  try {
    return { me, organisations: await serverApi(request, context).directory.organisations.query(), error: null };
  } catch (error) {
    return { me, organisations: [], error: apiErrorOf(error) ?? { code: 'INTERNAL', zh: '无法加载机构列表', en: 'Could not load the organisations' } };
  }
}

export default function SupervisorWorkspace({ loaderData }: Route.ComponentProps) {
  const i18n = useI18n();
  const { t } = i18n;
  const { me, organisations, error } = loaderData;
  return (
    <WorkspaceShell me={me} title={t('ws.supervisor.title')}>
      <AccountCard me={me} />
      <section className="panel">
        <h2>{t('ws.nav.calendar')}</h2>
        <p>{t('calendar.introSupervisor')}</p>
        <p>
          <Link to="/w/supervisor/calendar" className="button" data-testid="calendar-link">
            {t('calendar.open')} →
          </Link>
        </p>
      </section>
      <section className="panel">
        <h2>{t('ws.nav.trace')}</h2>
        <p>{t('supervisor.traceIntro')}</p>
        <p>
          <Link to="/w/supervisor/trace" className="button" data-testid="trace-link">
            {t('supervisor.traceLink')} →
          </Link>
        </p>
      </section>
      <section className="panel" id="organisations">
        <h2>{t('supervisor.organisations')}</h2>
        <p className="muted">{t('supervisor.organisationsIntro')}</p>
        {error ? <p className="alert alert-error">{i18n.pick(error)}</p> : null}
        <div className="table-wrap">
          <table className="data-table" data-testid="organisations-table">
            <thead>
              <tr>
                <th>{t('col.name')}</th>
                <th>{t('col.kind')}</th>
                <th>{t('col.creditCode')}</th>
                <th>{t('col.region')}</th>
                <th className="num">{t('col.accounts')}</th>
              </tr>
            </thead>
            <tbody>
              {organisations.map((org) => (
                <tr key={org.id}>
                  <td>{org.name}</td>
                  <td>{t(`kind.${org.kind}`)}</td>
                  <td className="mono">{org.creditCode ?? '—'}</td>
                  <td>
                    {org.regionName} <span className="muted mono">{org.regionCode}</span>
                  </td>
                  <td className="num">{org.accounts}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </section>
      <ComingNext role="supervisor" />
    </WorkspaceShell>
  );
}
