import { Link } from 'react-router';
import type { Route } from './+types/supervisor-section';
import { BiddersPanel } from '../../components/bidders-panel';
import { StateBadge } from '../../components/section-bits';
import { WorkspaceShell } from '../../components/workspace-shell';
import { useI18n } from '../../i18n/i18n';
import { serverApi } from '../../lib/api.server';
import { apiErrorOf } from '../../lib/errors';
import { requireRole } from '../../lib/session.server';
import { formatTime } from '../../lib/time';

/**
 * /w/supervisor/sections/:id: what the regulator sees of a section beyond the portal, read-only:
 * which bidder companies obtained the documents and when (kept from the tenderer by 实施条例 art. 22).
 * Reading it is itself a trace-log entry.
 */
export async function loader({ request, context, params }: Route.LoaderArgs) {
  const me = await requireRole(request, context, 'supervisor');
  const api = serverApi(request, context);
  try {
    const [detail, downloads, bidders] = await Promise.all([
      api.calendar.section.query({ sectionId: params.id }),
      api.calendar.downloads.query({ sectionId: params.id }),
      // The supervisor also sees when each bid came in.
      api.tender.bidders.query({ sectionId: params.id }).catch(() => null),
    ]);
    return { me, detail, downloads, bidders, error: null };
  } catch (error) {
    return { me, detail: null, downloads: [], bidders: null, error: apiErrorOf(error) ?? { code: 'INTERNAL', zh: '无法加载标段', en: 'Could not load the section' } };
  }
}

export default function SupervisorSection({ loaderData }: Route.ComponentProps) {
  const i18n = useI18n();
  const { t } = i18n;
  const { me, detail, downloads, bidders, error } = loaderData;
  return (
    <WorkspaceShell me={me} title={detail ? detail.section.name : t('supervision.section')}>
      <p className="breadcrumb">
        <Link to="/w/supervisor/calendar">{t('calendar.title')}</Link> › {t('supervision.section')}
      </p>
      {error ? <p className="alert alert-error">{i18n.pick(error)}</p> : null}
      {detail ? (
        <>
          <section className="panel">
            <p>
              <span className="mono">{detail.section.code}</span> · {detail.project.name} · <StateBadge state={detail.section.state} />
            </p>
            <p className="muted small">
              {t('supervision.deadline')}: <span className="mono">{formatTime(detail.section.deadline)}</span> ·{' '}
              <Link to={`/sections/${detail.section.id}`}>{t('supervision.portalPage')} →</Link> ·{' '}
              <Link to={`/w/supervisor/trace?targetId=${detail.section.id}`}>{t('supervision.trace')} →</Link>
            </p>
          </section>
          <BiddersPanel bidders={bidders} withTimes />
          <section className="panel" data-testid="downloads">
            <h2>{t('supervision.downloads')}</h2>
            <p className="muted small">{t('supervision.downloadsHint')}</p>
            {downloads.length === 0 ? (
              <p className="empty-state">{t('supervision.noDownloads')}</p>
            ) : (
              <table className="data-table">
                <thead>
                  <tr>
                    <th>{t('supervision.when')}</th>
                    <th>{t('supervision.company')}</th>
                    <th>{t('supervision.account')}</th>
                    <th>{t('supervision.file')}</th>
                  </tr>
                </thead>
                <tbody>
                  {downloads.map((d, i) => (
                    <tr key={i} data-testid="download-row">
                      <td className="nowrap mono">{formatTime(d.at)}</td>
                      <td>
                        {d.organisationName}
                        <div className="muted small mono">{d.creditCode}</div>
                      </td>
                      <td className="mono">{d.username}</td>
                      <td>
                        {d.filename} <span className="muted small">v{d.version}</span>
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            )}
          </section>
        </>
      ) : null}
    </WorkspaceShell>
  );
}
