import { data, Link, useRevalidator } from 'react-router';
import type { Route } from './+types/tender-section';
import { BiddersPanel } from '../../components/bidders-panel';
import { priceLabelKey, ScoringSummary, StateBadge, Time, useLabels } from '../../components/section-bits';
import { AmendmentPanel, CancelPanel, ObjectionsPanel, QuestionsPanel } from '../../components/tender/clarify-panels';
import { DocumentsPanel } from '../../components/tender/documents-panel';
import { PublishPanel } from '../../components/tender/publish-panel';
import { SectionForm, sectionValuesOf } from '../../components/tender/section-form';
import { WorkspaceShell } from '../../components/workspace-shell';
import { useI18n } from '../../i18n/i18n';
import { serverApi } from '../../lib/api.server';
import { apiErrorOf } from '../../lib/errors';
import { formatYuan } from '../../lib/money';
import { requireRole } from '../../lib/session.server';

/** /w/tenderer/sections/:id and /w/agency/sections/:id: running one of the organisation's own sections. */
export async function loader({ request, context, params }: Route.LoaderArgs) {
  const url = new URL(request.url);
  const role = url.pathname.split('/')[2] === 'agency' ? ('agency' as const) : ('tenderer' as const);
  const me = await requireRole(request, context, role);
  try {
    const api = serverApi(request, context);
    const detail = await api.tender.get.query({ sectionId: params.sectionId });
    // Who has a bid in (names and status only): from publication on.
    const bidders = detail.section.state === 'draft' ? null : await api.tender.bidders.query({ sectionId: params.sectionId }).catch(() => null);
    return { me, role, detail, bidders, created: url.searchParams.has('created'), now: new Date().toISOString() };
  } catch (error) {
    const app = apiErrorOf(error);
    if (app?.code === 'NOT_FOUND' || app?.code === 'INVALID_INPUT') throw data(null, { status: 404 });
    throw data({ kind: 'unavailable' as const }, { status: 503 });
  }
}

const CANCELLABLE = new Set(['draft', 'announced', 'opening', 'evaluating', 'publicity']);

export default function OwnSection({ loaderData }: Route.ComponentProps) {
  const i18n = useI18n();
  const { t } = i18n;
  const labels = useLabels();
  const revalidator = useRevalidator();
  const { me, role, detail, bidders, created, now } = loaderData;
  const { section, project, notices } = detail;
  const draft = section.state === 'draft';
  const announced = section.state === 'announced';

  return (
    <WorkspaceShell me={me} title={section.name}>
      <p className="breadcrumb">
        <Link to={`/w/${role}`}>{t('tender.mine')}</Link> › <span className="mono">{section.code}</span>
      </p>
      {created && draft ? (
        <p className="alert alert-ok" role="status" data-testid="created-notice">
          {t('tender.created', { code: section.code })}
        </p>
      ) : null}
      {!draft && section.publishedAt ? (
        <p className="alert alert-info" data-testid="published-notice">
          {t('tender.onPortal')} <Link to={`/sections/${section.id}`}>{t('tender.openPortal')} →</Link>
        </p>
      ) : null}

      <section className="panel" aria-labelledby="own-facts" data-testid="own-facts">
        <div className="panel-heading">
          <h2 id="own-facts">{t('detail.facts')}</h2>
          <StateBadge state={section.state} />
        </div>
        <dl className="facts">
          <div>
            <dt>{t('detail.projectName')}</dt>
            <dd>
              {project.name} <span className="muted mono">{project.code}</span>
            </dd>
          </div>
          <div>
            <dt>{t('detail.type')}</dt>
            <dd>
              {labels.type(project.type)} · {labels.method(project.method)}
            </dd>
          </div>
          <div>
            <dt>{t(priceLabelKey(project.type, project.method))}</dt>
            <dd>{formatYuan(section.estimatedPrice)}</dd>
          </div>
          <div>
            <dt>{t('detail.bond')}</dt>
            <dd>{formatYuan(section.bond)}</dd>
          </div>
          <div>
            <dt>{t('detail.validity')}</dt>
            <dd>{t('detail.days', { days: section.bidValidityDays })}</dd>
          </div>
          <div>
            <dt>{t('detail.documentsPeriod')}</dt>
            <dd>
              <Time iso={section.documentsFrom} /> — <Time iso={section.documentsUntil} />
            </dd>
          </div>
          <div>
            <dt>{t('detail.deadline')}</dt>
            <dd data-testid="own-deadline">
              <Time iso={section.deadline} />
            </dd>
          </div>
          <div>
            <dt>{t('detail.openingMode')}</dt>
            <dd>{section.openingMode === 'bidderAndCustodians' ? t('opening.custodians') : t('opening.bidderKey')}</dd>
            <dt>{t('form.envelopeSuite')}</dt>
            <dd>{section.envelopeSuite === 'sm2/sm4-ctr-hmac-sm3-stream' ? t('suite.sm') : t('suite.rsa')}</dd>
          </div>
          <div>
            <dt>{t('detail.scoring')}</dt>
            <dd>
              <ScoringSummary method={section.scoringMethod} />
            </dd>
          </div>
        </dl>
        {section.stateReason ? <p className="alert alert-warning">{t('detail.cancelled', { reason: section.stateReason })}</p> : null}
        <p className="muted small">{t('detail.timeZone')}</p>
      </section>

      <DocumentsPanel detail={detail} />

      {draft ? null : <BiddersPanel bidders={bidders} withTimes={false} />}

      {draft ? (
        <>
          {/* Drafted afresh from the section's facts whenever the draft is saved. */}
          <PublishPanel key={section.updatedAt} detail={detail} now={now} />
          <details className="panel edit-panel" data-testid="edit-panel">
            <summary>{t('tender.edit')}</summary>
            <SectionForm
              mode="edit"
              role={role}
              sectionId={section.id}
              initial={sectionValuesOf(project, section)}
              onSaved={() => revalidator.revalidate()}
            />
          </details>
        </>
      ) : null}

      {announced || detail.questions.length > 0 ? <QuestionsPanel detail={detail} /> : null}
      {announced ? <AmendmentPanel detail={detail} /> : null}
      {announced || detail.objections.length > 0 ? <ObjectionsPanel detail={detail} /> : null}

      {notices.length > 0 ? (
        <section className="panel" aria-labelledby="own-notices">
          <h2 id="own-notices">{t('detail.notices')}</h2>
          <table className="data-table">
            <thead>
              <tr>
                <th>{t('col.name')}</th>
                <th>{t('col.kind')}</th>
                <th>{t('detail.publishedAt')}</th>
                <th>{t('col.deadlineAfter')}</th>
              </tr>
            </thead>
            <tbody>
              {notices.map((n) => (
                <tr key={n.id}>
                  <td>{n.title}</td>
                  <td>{t(`noticeKind.${n.kind}`)}</td>
                  <td>
                    <Time iso={n.publishedAt} />
                  </td>
                  <td>
                    <Time iso={n.deadlineAfter} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </section>
      ) : null}

      {CANCELLABLE.has(section.state) ? <CancelPanel detail={detail} /> : null}
    </WorkspaceShell>
  );
}
