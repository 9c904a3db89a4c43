import { useState } from 'react';
import { data, isRouteErrorResponse, Link, useRevalidator } from 'react-router';
import type { Route } from './+types/section';
import { BiddersPanel } from '../components/bidders-panel';
import { ErrorPage } from '../components/error-page';
import { priceLabelKey, ScoringSummary, StateBadge, SuspendedBadge, SuspensionNotice, Time, Timeline, useLabels } from '../components/section-bits';
import { useI18n } from '../i18n/i18n';
import { browserApi } from '../lib/api.browser';
import { serverApi } from '../lib/api.server';
import { downloadDocument } from '../lib/download';
import { apiErrorOf, describeError } from '../lib/errors';
import { formatBytes, formatYuan } from '../lib/money';
import { getSession } from '../lib/session.server';

export async function loader({ request, context, params }: Route.LoaderArgs) {
  const api = serverApi(request, context);
  const session = await getSession(request, context);
  let section;
  try {
    section = await api.portal.section.query({ sectionId: params.sectionId });
  } catch (error) {
    const app = apiErrorOf(error);
    // A malformed id is no section either.
    if (app?.code === 'NOT_FOUND' || app?.code === 'INVALID_INPUT') throw data(null, { status: 404 });
    throw data({ kind: 'unavailable' as const }, { status: 503 });
  }
  // A signed-in bidder also sees whether its company obtained the documents, and what it asked.
  let bidding: { obtained: boolean; questions: MineQuestion[]; objections: MineObjection[] } | null = null;
  if (session.me?.role === 'bidder') {
    const mine = await api.bidding.mine.query().catch(() => null);
    const own = <T extends { sectionId: string }>(list: T[] | undefined) => (list ?? []).filter((x) => x.sectionId === params.sectionId);
    bidding = {
      obtained: mine?.sections.some((s) => s.id === params.sectionId) ?? false,
      questions: own(mine?.questions),
      objections: own(mine?.objections),
    };
  }
  // Centre staff have no section page of their own: they see who has a bid in here (names and status).
  const bidders = session.me?.role === 'centre' ? await api.tender.bidders.query({ sectionId: params.sectionId }).catch(() => null) : undefined;
  return { ...section, me: session.me, bidding, bidders, now: new Date().toISOString() };
}

type Mine = Awaited<ReturnType<ReturnType<typeof serverApi>['bidding']['mine']['query']>>;
type MineQuestion = Mine['questions'][number];
type MineObjection = Mine['objections'][number];
type LoaderData = Route.ComponentProps['loaderData'];

export default function SectionDetail({ loaderData }: Route.ComponentProps) {
  const i18n = useI18n();
  const { t } = i18n;
  const labels = useLabels();
  const { section, project, buyer, agency, centre, region, notices, clarifications, timeline, now } = loaderData;
  const noticeById = new Map(notices.map((n) => [n.id, n]));

  return (
    <div className="section-detail" data-testid="section-detail" data-section-id={section.id}>
      <p className="breadcrumb">
        <Link to="/">{t('nav.home')}</Link> › <Link to="/sections">{t('search.title')}</Link>
      </p>
      <div className="detail-heading">
        <h1>{section.name}</h1>
        <StateBadge state={section.state} />
        <SuspendedBadge suspended={loaderData.suspension !== null} />
      </div>
      <p className="muted">
        {project.name} · <span className="mono">{section.code}</span>
      </p>
      <SuspensionNotice suspension={loaderData.suspension} now={now} />
      {['opening', 'evaluating', 'publicity', 'awarded', 'archived'].includes(section.state) ? (
        <p>
          <Link to={`/sections/${section.id}/hall`} className="button" data-testid="hall-link">
            {t('hall.link')}
          </Link>
          {['evaluating', 'publicity', 'awarded', 'archived'].includes(section.state) ? (
            <>
              {' '}
              <a href={`/api/sections/${section.id}/opening-record.pdf`} target="_blank" rel="noreferrer" data-testid="record-pdf-link">
                {t('hall.recordPdf')}
              </a>
            </>
          ) : null}
        </p>
      ) : null}
      {section.state === 'cancelled' && section.stateReason ? (
        <p className="alert alert-warning">{t('detail.cancelled', { reason: section.stateReason })}</p>
      ) : null}

      <section className="panel" aria-labelledby="facts-title">
        <div className="panel-heading">
          <h2 id="facts-title">{t('detail.facts')}</h2>
          <a href={`/api/ocds/sections/${section.id}`} data-testid="ocds-link" target="_blank" rel="noreferrer">
            {t('detail.ocds')}
          </a>
        </div>
        <dl className="facts" data-testid="facts">
          <Fact label={t('detail.projectName')}>{project.name}</Fact>
          <Fact label={t('detail.projectCode')}>
            <span className="mono">{project.code}</span>
          </Fact>
          <Fact label={t('detail.sectionCode')}>
            <span className="mono">{section.code}</span>
          </Fact>
          <Fact label={t('detail.type')}>{labels.type(project.type)}</Fact>
          <Fact label={t('detail.method')}>{labels.method(project.method)}</Fact>
          <Fact label={t('detail.region')}>{region.name}</Fact>
          <Fact label={t('detail.buyer')}>{buyer.name}</Fact>
          <Fact label={t('detail.agency')}>{agency?.name ?? '—'}</Fact>
          <Fact label={t('detail.centre')}>{centre.name}</Fact>
          <Fact label={t(priceLabelKey(project.type, project.method))} testId="fact-price">
            {formatYuan(section.estimatedPrice)}
          </Fact>
          <Fact label={t('detail.bond')} testId="fact-bond">
            {formatYuan(section.bond)}
          </Fact>
          <Fact label={t('detail.validity')}>{t('detail.days', { days: section.bidValidityDays })}</Fact>
          <Fact label={t('detail.documentsPeriod')}>
            <Time iso={section.documentsFrom} /> — <Time iso={section.documentsUntil} />
          </Fact>
          {section.listingFrom ? (
            <Fact label={t('detail.listingPeriod')}>
              <Time iso={section.listingFrom} /> — <Time iso={section.deadline} />
            </Fact>
          ) : null}
          <Fact label={t('detail.deadline')} testId="fact-deadline">
            <Time iso={section.deadline} />
          </Fact>
          <Fact label={t('detail.openingMode')}>{section.openingMode === 'bidderAndCustodians' ? t('opening.custodians') : t('opening.bidderKey')}</Fact>
          <Fact label={t('detail.scoring')}>
            <ScoringSummary method={section.scoringMethod} />
          </Fact>
        </dl>
        <p className="muted small">{t('detail.timeZone')}</p>
      </section>

      <section className="panel" aria-labelledby="timeline-title">
        <h2 id="timeline-title">{t('detail.timeline')}</h2>
        <Timeline entries={timeline} now={now} />
      </section>

      <DocumentsPanel data={loaderData} />

      {loaderData.bidding ? <BidderPanel data={loaderData} /> : null}
      {loaderData.bidders !== undefined ? <BiddersPanel bidders={loaderData.bidders} withTimes={false} /> : null}

      <section className="panel" aria-labelledby="clarifications-title" data-testid="clarifications">
        <h2 id="clarifications-title">{t('detail.clarifications')}</h2>
        {clarifications.length === 0 ? <p className="muted">{t('detail.noClarifications')}</p> : null}
        {clarifications.map((q) => {
          const answer = noticeById.get(q.noticeId);
          return (
            <div key={q.id} className="qa" data-testid="clarification">
              <p className="qa-question">
                <span className="qa-mark">{t('detail.q')}</span> {q.question}
              </p>
              {answer ? (
                <div className="qa-answer">
                  <span className="qa-mark">{t('detail.a')}</span>
                  <div className="notice-body" dangerouslySetInnerHTML={{ __html: answer.bodyHtml }} />
                  <p className="muted small">
                    <a href={`#notice-${answer.id}`}>{answer.title}</a> · <Time iso={answer.publishedAt} />
                  </p>
                </div>
              ) : null}
            </div>
          );
        })}
      </section>

      <section className="panel" aria-labelledby="notices-title" data-testid="notices">
        <h2 id="notices-title">{t('detail.notices')}</h2>
        {notices.map((n) => (
          <article key={n.id} id={`notice-${n.id}`} className="notice" data-testid="notice" data-kind={n.kind}>
            <h3>{n.title}</h3>
            <p className="muted small">
              {t(`noticeKind.${n.kind}`)} · {t('detail.publishedAt')} <Time iso={n.publishedAt} />
            </p>
            {n.deadlineAfter && n.deadlineBefore && n.deadlineAfter !== n.deadlineBefore ? (
              <p className="alert alert-warning" data-testid="deadline-moved">
                {n.kind === 'objectionAnswer' ? t('detail.deadlineMovedObjection') : t('detail.deadlineMoved')} 
                <Time iso={n.deadlineBefore} /> → <Time iso={n.deadlineAfter} />
              </p>
            ) : null}
            {/* Sanitised by the API when it was published (packages/api/src/tender/sanitize.ts). */}
            <div className="notice-body" dangerouslySetInnerHTML={{ __html: n.bodyHtml }} />
          </article>
        ))}
      </section>
    </div>
  );
}

function Fact({ label, children, testId }: { label: string; children: React.ReactNode; testId?: string }) {
  return (
    <div>
      <dt>{label}</dt>
      <dd data-testid={testId}>{children}</dd>
    </div>
  );
}

type DownloadState = { state: 'running' } | { state: 'done'; matches: boolean | null } | { state: 'error'; text: string };

function DocumentsPanel({ data: loaded }: { data: LoaderData }) {
  const i18n = useI18n();
  const { t } = i18n;
  const revalidator = useRevalidator();
  const { section, documents, me, bidding } = loaded;
  const [downloads, setDownloads] = useState<Record<string, DownloadState>>({});
  const isBidder = me?.role === 'bidder';

  async function obtain(document: LoaderData['documents'][number]) {
    setDownloads((d) => ({ ...d, [document.id]: { state: 'running' } }));
    try {
      const got = await downloadDocument(document.id, document.filename);
      setDownloads((d) => ({ ...d, [document.id]: { state: 'done', matches: got.sha256 === null ? null : got.sha256 === document.sha256 } }));
      // The company has now obtained the documents: asking and objecting open up.
      if (!bidding?.obtained) await revalidator.revalidate();
    } catch (error) {
      setDownloads((d) => ({ ...d, [document.id]: { state: 'error', text: describeError(error, i18n) } }));
    }
  }

  return (
    <section className="panel" aria-labelledby="documents-title" data-testid="documents">
      <h2 id="documents-title">{t('detail.documents')}</h2>
      {isBidder ? (
        <p className="muted">{bidding?.obtained ? t('detail.obtained') : t('detail.obtainHint')}</p>
      ) : (
        <p className="alert alert-info" data-testid="sign-in-hint">
          {me ? (
            t('detail.bidderOnly')
          ) : (
            <>
              <Link to={`/login?next=${encodeURIComponent(`/sections/${section.id}`)}`}>{t('detail.signInLink')}</Link> {t('detail.signInToObtain')}
            </>
          )}
        </p>
      )}
      <div className="table-wrap">
        <table className="data-table">
          <thead>
            <tr>
              <th>{t('col.filename')}</th>
              <th className="num">{t('col.version')}</th>
              <th className="num">{t('col.size')}</th>
              <th>SHA-256</th>
              <th>{t('col.uploadedAt')}</th>
              {isBidder ? <th>{t('col.actions')}</th> : null}
            </tr>
          </thead>
          <tbody>
            {documents.length === 0 ? (
              <tr>
                <td colSpan={isBidder ? 6 : 5} className="empty">
                  {t('detail.noDocuments')}
                </td>
              </tr>
            ) : null}
            {documents.map((d) => {
              const download = downloads[d.id];
              return (
                <tr key={d.id} data-testid="document-row" data-filename={d.filename} data-superseded={d.superseded}>
                  <td>
                    {d.filename} {d.superseded ? <span className="badge badge-muted">{t('detail.superseded')}</span> : null}
                  </td>
                  <td className="num">v{d.version}</td>
                  <td className="num nowrap">{formatBytes(d.size)}</td>
                  <td className="mono hash" data-testid="document-sha256">
                    {d.sha256}
                  </td>
                  <td>
                    <Time iso={d.uploadedAt} />
                  </td>
                  {isBidder ? (
                    <td className="nowrap">
                      <button type="button" className="button button-small" disabled={download?.state === 'running'} onClick={() => obtain(d)} data-testid="download">
                        {download?.state === 'running' ? t('detail.downloading') : t('detail.download')}
                      </button>
                      {download?.state === 'done' ? (
                        <div className={download.matches === false ? 'verdict verdict-bad' : 'verdict verdict-ok'} data-testid="download-result">
                          {download.matches === null ? t('detail.downloaded') : download.matches ? t('detail.hashOk') : t('detail.hashBad')}
                        </div>
                      ) : download?.state === 'error' ? (
                        <div className="verdict verdict-bad" role="alert" data-testid="download-result">
                          {download.text}
                        </div>
                      ) : null}
                    </td>
                  ) : null}
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
    </section>
  );
}

/** The signed-in bidder's side of the section: its questions and objections, and forms to add them. */
function BidderPanel({ data: loaded }: { data: LoaderData }) {
  const i18n = useI18n();
  const { t } = i18n;
  const { section, bidding } = loaded;
  if (!bidding) return null;
  const open = section.state === 'announced';
  return (
    <section className="panel" aria-labelledby="bidder-title" data-testid="bidder-panel">
      <h2 id="bidder-title">{t('detail.bidderTitle')}</h2>
      {!bidding.obtained ? <p className="alert alert-info">{t('detail.obtainFirst')}</p> : null}
      {open ? (
        <p>
          <Link to={`/w/bidder/sections/${section.id}/bid`} className="button" data-testid="bid-link">
            {t('bid.open')} →
          </Link>
        </p>
      ) : null}
      {bidding.questions.length > 0 ? (
        <>
          <h3>{t('detail.myQuestions')}</h3>
          <ul className="plain-list" data-testid="my-questions">
            {bidding.questions.map((q) => (
              <li key={q.id} data-testid="my-question" data-answered={q.answerNoticeId !== null}>
                <p className="qa-question">{q.question}</p>
                <p className="muted small">
                  {t('detail.askedAt')} <Time iso={q.askedAt} /> · {q.answerNoticeId ? t('bidder.answered') : t('bidder.awaiting')}
                </p>
                {q.answerHtml ? <div className="notice-body qa-answer" dangerouslySetInnerHTML={{ __html: q.answerHtml }} /> : null}
              </li>
            ))}
          </ul>
        </>
      ) : null}
      {bidding.objections.length > 0 ? (
        <>
          <h3>{t('detail.myObjections')}</h3>
          <ul className="plain-list" data-testid="my-objections">
            {bidding.objections.map((o) => (
              <li key={o.id}>
                <p className="qa-question">{o.text}</p>
                <p className="muted small">
                  {t('detail.filedAt')} <Time iso={o.filedAt} /> · {o.answeredAt ? t('bidder.answered') : `${t('bidder.answerDue')} `}
                  {o.answeredAt ? null : <Time iso={o.answerDue} />}
                </p>
                {o.answer ? <div className="notice-body qa-answer" dangerouslySetInnerHTML={{ __html: o.answer }} /> : null}
              </li>
            ))}
          </ul>
        </>
      ) : null}
      {bidding.obtained && open ? (
        <div className="two-columns">
          <TextForm
            testId="ask-form"
            title={t('detail.ask')}
            hint={t('detail.askHint')}
            label={t('detail.question')}
            submit={t('detail.askSubmit')}
            minLength={5}
            done={t('detail.asked')}
            send={(text) => browserApi().bidding.ask.mutate({ sectionId: section.id, question: text })}
          />
          <TextForm
            testId="objection-form"
            title={t('detail.object')}
            hint={t('detail.objectHint')}
            label={t('detail.objection')}
            submit={t('detail.objectSubmit')}
            minLength={10}
            done={t('detail.objected')}
            send={(text) => browserApi().bidding.object.mutate({ sectionId: section.id, text })}
          />
        </div>
      ) : null}
    </section>
  );
}

function TextForm(props: { testId: string; title: string; hint: string; label: string; submit: string; minLength: number; done: string; send: (text: string) => Promise<unknown> }) {
  const i18n = useI18n();
  const { t } = i18n;
  const revalidator = useRevalidator();
  const [text, setText] = useState('');
  const [busy, setBusy] = useState(false);
  const [notice, setNotice] = useState<{ kind: 'ok' | 'error'; text: string } | null>(null);

  async function onSubmit(event: React.FormEvent<HTMLFormElement>) {
    event.preventDefault();
    setBusy(true);
    setNotice(null);
    try {
      await props.send(text.trim());
      setText('');
      setNotice({ kind: 'ok', text: props.done });
      await revalidator.revalidate();
    } catch (error) {
      setNotice({ kind: 'error', text: describeError(error, i18n) });
    } finally {
      setBusy(false);
    }
  }

  return (
    <form className="stacked-form" onSubmit={onSubmit} data-testid={props.testId}>
      <h3>{props.title}</h3>
      <p className="muted small">{props.hint}</p>
      <label>
        {props.label}
        <textarea value={text} onChange={(e) => setText(e.target.value)} rows={4} required minLength={props.minLength} maxLength={5000} />
      </label>
      {notice ? (
        <p className={`alert ${notice.kind === 'ok' ? 'alert-ok' : 'alert-error'}`} role="status" data-testid="form-notice">
          {notice.text}
        </p>
      ) : null}
      <div>
        <button type="submit" className="button" disabled={busy}>
          {busy ? t('action.working') : props.submit}
        </button>
      </div>
    </form>
  );
}

export function ErrorBoundary({ error }: Route.ErrorBoundaryProps) {
  if (isRouteErrorResponse(error) && error.status === 404) return <ErrorPage kind="notFound" />;
  if (isRouteErrorResponse(error) && error.status === 503) return <ErrorPage kind="unavailable" />;
  return <ErrorPage kind="generic" />;
}
