import { DataTable } from '@ggzy/ui';
import { Link } from 'react-router';
import type { Route } from './+types/bidder';
import { StateBadge, SuspendedBadge, Time } from '../../components/section-bits';
import { AccountCard, ComingNext, WorkspaceShell } from '../../components/workspace-shell';
import { useI18n } from '../../i18n/i18n';
import { serverApi } from '../../lib/api.server';
import { apiErrorOf } from '../../lib/errors';
import { requireRole } from '../../lib/session.server';

export async function loader({ request, context }: Route.LoaderArgs) {
  const me = await requireRole(request, context, 'bidder');
  try {
    return { me, mine: await serverApi(request, context).bidding.mine.query(), error: null };
  } catch (error) {
    return {
      me,
      mine: { sections: [], questions: [], objections: [], notices: [] },
      error: apiErrorOf(error) ?? { code: 'INTERNAL', zh: '无法加载投标信息', en: 'Could not load your bidding' },
    };
  }
}

/** 投标人工作台: what the company obtained, asked and objected to, and what it has been told since. */
export default function BidderWorkspace({ loaderData }: Route.ComponentProps) {
  const i18n = useI18n();
  const { t } = i18n;
  const { me, mine, error } = loaderData;
  const sectionName = new Map(mine.sections.map((s) => [s.id, s.name]));
  const sectionLink = (id: string) => <Link to={`/sections/${id}`}>{sectionName.get(id) ?? t('bidder.section')}</Link>;

  return (
    <WorkspaceShell me={me} title={t('ws.bidder.title')}>
      <AccountCard me={me} />
      {error ? <p className="alert alert-error">{i18n.pick(error)}</p> : null}
      <section className="panel" id="obtained">
        <div className="panel-heading">
          <h2>{t('bidder.obtained')}</h2>
          <Link to="/sections">{t('bidder.find')} →</Link>
        </div>
        <DataTable
          testId="obtained-sections"
          headers={[t('col.section'), t('col.status'), t('col.deadline'), t('bidder.firstObtained')]}
          isEmpty={mine.sections.length === 0}
          empty={t('bidder.noneObtained')}
        >
              {mine.sections.map((s) => (
                <tr key={s.id} data-testid="obtained-section" data-section-id={s.id}>
                  <td>
                    <Link to={`/sections/${s.id}`}>{s.name}</Link> <span className="muted mono small">{s.code}</span>
                    {s.state === 'announced' ? (
                      <>
                        {' '}
                        <Link to={`/w/bidder/sections/${s.id}/bid`} className="button button-small" data-testid="bid-link">
                          {t('bid.find')}
                        </Link>
                      </>
                    ) : null}
                  </td>
                  <td>
                    <StateBadge state={s.state} /> <SuspendedBadge suspended={s.suspended} />
                  </td>
                  <td>
                    <Time iso={s.deadline} />
                  </td>
                  <td>
                    <Time iso={s.firstObtainedAt} />
                  </td>
                </tr>
              ))}
        </DataTable>
      </section>

      <section className="panel" id="questions">
        <h2>{t('bidder.questions')}</h2>
        <p className="muted small">{t('bidder.questionsIntro')}</p>
        {mine.questions.length === 0 ? <p className="muted">{t('bidder.noQuestions')}</p> : null}
        <ul className="plain-list" data-testid="bidder-questions">
          {mine.questions.map((q) => (
            <li key={q.id} data-testid="bidder-question" data-answered={q.answerNoticeId !== null}>
              <p className="muted small">
                {sectionLink(q.sectionId)} · {t('detail.askedAt')} <Time iso={q.askedAt} />
              </p>
              <p className="qa-question">
                <span className="qa-mark">{t('detail.q')}</span> {q.question}
              </p>
              {q.answerHtml ? (
                <div className="qa-answer" data-testid="bidder-answer">
                  <span className="qa-mark">{t('detail.a')}</span>
                  <div className="notice-body" dangerouslySetInnerHTML={{ __html: q.answerHtml }} />
                  <p className="muted small">
                    {t('bidder.answeredAt')} <Time iso={q.answeredAt} />
                  </p>
                </div>
              ) : (
                <p className="badge badge-pending">{t('bidder.awaiting')}</p>
              )}
            </li>
          ))}
        </ul>
      </section>

      <section className="panel" id="objections">
        <h2>{t('bidder.objections')}</h2>
        {mine.objections.length === 0 ? <p className="muted">{t('bidder.noObjections')}</p> : null}
        <ul className="plain-list" data-testid="bidder-objections">
          {mine.objections.map((o) => (
            <li key={o.id} data-testid="bidder-objection">
              <p className="muted small">
                {sectionLink(o.sectionId)} · {t('detail.filedAt')} <Time iso={o.filedAt} />
              </p>
              <p className="qa-question">{o.text}</p>
              {o.answer ? (
                <div className="qa-answer">
                  <div className="notice-body" dangerouslySetInnerHTML={{ __html: o.answer }} />
                  <p className="muted small">
                    {t('objection.answeredAt')} <Time iso={o.answeredAt} />
                  </p>
                </div>
              ) : (
                <p className="muted small">
                  {t('bidder.answerDue')} <Time iso={o.answerDue} />
                </p>
              )}
            </li>
          ))}
        </ul>
      </section>

      <section className="panel" id="notices">
        <h2>{t('bidder.notices')}</h2>
        <p className="muted small">{t('bidder.noticesIntro')}</p>
        <DataTable
          testId="bidder-notices"
          headers={[t('col.name'), t('col.section'), t('col.kind'), t('detail.publishedAt'), t('col.deadlineAfter')]}
          isEmpty={mine.notices.length === 0}
          empty={t('bidder.noNotices')}
        >
              {mine.notices.map((n) => (
                <tr key={n.id} data-testid="bidder-notice" data-kind={n.kind}>
                  <td>
                    <Link to={`/sections/${n.sectionId}#notice-${n.id}`}>{n.title}</Link>
                  </td>
                  <td>{sectionLink(n.sectionId)}</td>
                  <td>{t(`noticeKind.${n.kind}`)}</td>
                  <td>
                    <Time iso={n.publishedAt} />
                  </td>
                  <td>
                    <Time iso={n.deadlineAfter} />
                  </td>
                </tr>
              ))}
        </DataTable>
      </section>
      <ComingNext role="bidder" />
    </WorkspaceShell>
  );
}
