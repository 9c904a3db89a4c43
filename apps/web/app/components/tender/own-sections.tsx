import { Link } from 'react-router';
import { AccountCard, ComingNext, WorkspaceShell } from '../workspace-shell';
import { StateBadge, Time, useLabels } from '../section-bits';
import { useI18n } from '../../i18n/i18n';
import type { ServerApi } from '../../lib/api.server';
import type { ApiError } from '../../lib/errors';
import type { Me } from '../../lib/session.server';

export type OwnSection = Awaited<ReturnType<ServerApi['tender']['mine']['query']>>[number];

/** The tenderer's or agency's overview: its sections in every state, newest first. */
export function TenderWorkspace({ me, sections, error }: { me: Me; sections: OwnSection[]; error: ApiError | null }) {
  const i18n = useI18n();
  const { t } = i18n;
  const labels = useLabels();
  const base = `/w/${me.role}`;
  return (
    <WorkspaceShell me={me} title={t(`ws.${me.role}.title`)}>
      <AccountCard me={me} />
      <section className="panel" id="sections">
        <div className="panel-heading">
          <h2>{t('tender.mine')}</h2>
          <Link to={`${base}/new`} className="button" data-testid="new-section">
            {t('tender.new')}
          </Link>
        </div>
        {error ? <p className="alert alert-error">{i18n.pick(error)}</p> : null}
        <div className="table-wrap">
          <table className="data-table" data-testid="own-sections">
            <thead>
              <tr>
                <th>{t('col.section')}</th>
                <th>{t('col.type')}</th>
                <th>{t('col.status')}</th>
                <th>{t('col.published')}</th>
                <th>{t('col.deadline')}</th>
              </tr>
            </thead>
            <tbody>
              {sections.length === 0 ? (
                <tr>
                  <td colSpan={5} className="empty">
                    {t('tender.none')}
                  </td>
                </tr>
              ) : null}
              {sections.map((s) => (
                <tr key={s.id} data-testid="own-section" data-section-id={s.id}>
                  <td>
                    <Link to={`${base}/sections/${s.id}`}>{s.name}</Link>
                    <div className="muted small">
                      {s.projectName} · <span className="mono">{s.code}</span>
                    </div>
                  </td>
                  <td className="nowrap">
                    {labels.type(s.type)}
                    <div className="muted small">{labels.method(s.method)}</div>
                  </td>
                  <td>
                    <StateBadge state={s.state} />
                  </td>
                  <td>
                    <Time iso={s.publishedAt} />
                  </td>
                  <td>
                    <Time iso={s.deadline} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
        <p className="muted small">{t('tender.timeZone')}</p>
      </section>
      <ComingNext role={me.role} />
    </WorkspaceShell>
  );
}
