import { useState } from 'react';
import { Time } from '../section-bits';
import { useI18n } from '../../i18n/i18n';
import { browserApi } from '../../lib/api.browser';
import { paragraphsToHtml } from '../../lib/rich-text';
import { formatTime } from '../../lib/time';
import { NoticeLine, useAction, type ActionNotice, type OwnSectionDetail } from './use-action';

type IssueResult = { deadlineMoved: boolean; deadline: string };

/** What came of issuing: published, and whether the 15-day rule moved the deadline (实施条例 art. 21). */
function useIssueNotice() {
  const { t } = useI18n();
  return (kind: 'clarification' | 'amendment', result: IssueResult): ActionNotice =>
    result.deadlineMoved
      ? { kind: 'warning', text: t('issue.deadlineMoved', { deadline: formatTime(result.deadline) }) }
      : { kind: 'ok', text: kind === 'clarification' ? t('issue.clarified') : t('issue.amended') };
}

/**
 * 答疑澄清: the questions bidders asked (never who asked), and an answer to the ones chosen. The
 * answer goes to everyone who obtained the documents and, anonymised, to the portal.
 */
export function QuestionsPanel({ detail }: { detail: OwnSectionDetail }) {
  const { t } = useI18n();
  const { section, questions, notices } = detail;
  const open = section.state === 'announced';
  const unanswered = questions.filter((q) => q.answerNoticeId === null);
  const [chosen, setChosen] = useState<string[]>([]);
  const [title, setTitle] = useState(t('issue.clarificationTitle'));
  const [text, setText] = useState('');
  const [affectsBids, setAffectsBids] = useState(false);
  const action = useAction();
  const issued = useIssueNotice();
  const noticeTitle = new Map(notices.map((n) => [n.id, n.title]));

  async function onSubmit(event: React.FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const ok = await action.run(
      () =>
        browserApi().tender.issue.mutate({
          sectionId: section.id,
          kind: 'clarification',
          title: title.trim(),
          bodyHtml: paragraphsToHtml(text),
          affectsBids,
          questionIds: chosen,
        }),
      (result) => issued('clarification', result),
    );
    if (ok) {
      setChosen([]);
      setText('');
    }
  }

  return (
    <section className="panel" aria-labelledby="questions-title" data-testid="questions-panel">
      <h2 id="questions-title">{t('issue.questions')}</h2>
      {questions.length === 0 ? <p className="muted">{t('issue.noQuestions')}</p> : null}
      <ul className="plain-list">
        {questions.map((q) => (
          <li key={q.id} data-testid="question" data-answered={q.answerNoticeId !== null}>
            {q.answerNoticeId === null && open ? (
              <label className="checkbox">
                <input
                  type="checkbox"
                  checked={chosen.includes(q.id)}
                  onChange={(e) => setChosen((c) => (e.target.checked ? [...c, q.id] : c.filter((id) => id !== q.id)))}
                  data-testid="choose-question"
                />
                <span className="qa-question">{q.question}</span>
              </label>
            ) : (
              <p className="qa-question">{q.question}</p>
            )}
            <p className="muted small">
              {t('detail.askedAt')} <Time iso={q.askedAt} /> ·{' '}
              {q.answerNoticeId ? t('issue.answeredIn', { title: noticeTitle.get(q.answerNoticeId) ?? '' }) : t('bidder.awaiting')}
            </p>
          </li>
        ))}
      </ul>
      {open ? (
        <form className="stacked-form" onSubmit={onSubmit} data-testid="answer-form">
          <h3>{t('issue.answerTitle')}</h3>
          <p className="muted small">{unanswered.length > 0 ? t('issue.chooseHint', { chosen: chosen.length, total: unanswered.length }) : t('issue.voluntary')}</p>
          <label>
            {t('issue.title')}
            <input name="title" value={title} onChange={(e) => setTitle(e.target.value)} maxLength={200} required />
          </label>
          <label>
            {t('issue.answer')}
            <textarea name="answer" rows={6} value={text} onChange={(e) => setText(e.target.value)} required />
          </label>
          <label className="checkbox">
            <input type="checkbox" checked={affectsBids} onChange={(e) => setAffectsBids(e.target.checked)} data-testid="affects-bids" />
            {t('issue.affectsBids')}
          </label>
          <p className="muted small">{t('issue.affectsHint')}</p>
          <NoticeLine notice={action.notice} testId="answer-notice" />
          <div>
            <button type="submit" className="button" disabled={action.busy} data-testid="issue-answer">
              {action.busy ? t('action.working') : t('issue.publishAnswer')}
            </button>
          </div>
        </form>
      ) : null}
    </section>
  );
}

/** 修改: an amendment, with any document versions uploaded since the last publication. */
export function AmendmentPanel({ detail }: { detail: OwnSectionDetail }) {
  const { t } = useI18n();
  const { section, documents } = detail;
  const [title, setTitle] = useState(t('issue.amendmentTitle'));
  const [text, setText] = useState('');
  const [affectsBids, setAffectsBids] = useState(true);
  const action = useAction();
  const issued = useIssueNotice();
  const pending = documents.filter((d) => !d.published).length;

  async function onSubmit(event: React.FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const ok = await action.run(
      () => browserApi().tender.issue.mutate({ sectionId: section.id, kind: 'amendment', title: title.trim(), bodyHtml: paragraphsToHtml(text), affectsBids }),
      (result) => issued('amendment', result),
    );
    if (ok) setText('');
  }

  return (
    <section className="panel" aria-labelledby="amend-title" data-testid="amendment-panel">
      <h2 id="amend-title">{t('issue.amend')}</h2>
      <p className="muted">{pending > 0 ? t('issue.pendingDocuments', { count: pending }) : t('issue.amendHint')}</p>
      <form className="stacked-form" onSubmit={onSubmit}>
        <label>
          {t('issue.title')}
          <input name="title" value={title} onChange={(e) => setTitle(e.target.value)} maxLength={200} required />
        </label>
        <label>
          {t('issue.amendText')}
          <textarea name="text" rows={6} value={text} onChange={(e) => setText(e.target.value)} required />
        </label>
        <label className="checkbox">
          <input type="checkbox" checked={affectsBids} onChange={(e) => setAffectsBids(e.target.checked)} />
          {t('issue.affectsBids')}
        </label>
        <p className="muted small">{t('issue.affectsHint')}</p>
        <NoticeLine notice={action.notice} testId="amend-notice" />
        <div>
          <button type="submit" className="button" disabled={action.busy}>
            {action.busy ? t('action.working') : t('issue.publishAmendment')}
          </button>
        </div>
      </form>
    </section>
  );
}

/** 异议: objections to the documents, each answered within 3 days; the deadline is held meanwhile. */
export function ObjectionsPanel({ detail }: { detail: OwnSectionDetail }) {
  const { t } = useI18n();
  const { objections } = detail;
  return (
    <section className="panel" aria-labelledby="objections-title" data-testid="objections-panel">
      <h2 id="objections-title">{t('objection.title')}</h2>
      <p className="muted small">{t('objection.intro')}</p>
      {objections.length === 0 ? <p className="muted">{t('objection.none')}</p> : null}
      <ul className="plain-list">
        {objections.map((o) => (
          <ObjectionItem key={o.id} objection={o} />
        ))}
      </ul>
    </section>
  );
}

function ObjectionItem({ objection }: { objection: OwnSectionDetail['objections'][number] }) {
  const { t } = useI18n();
  const [text, setText] = useState('');
  const action = useAction();
  return (
    <li data-testid="objection" data-answered={objection.answeredAt !== null}>
      <p className="qa-question">{objection.text}</p>
      <p className="muted small">
        {t('detail.filedAt')} <Time iso={objection.filedAt} /> · {t('bidder.answerDue')} <Time iso={objection.answerDue} />
        {objection.answeredAt ? null : <span className="badge badge-pending">{t('objection.holding')}</span>}
      </p>
      {objection.answer ? (
        <div className="qa-answer">
          <div className="notice-body" dangerouslySetInnerHTML={{ __html: objection.answer }} />
          <p className="muted small">
            {t('objection.answeredAt')} <Time iso={objection.answeredAt} />
          </p>
        </div>
      ) : (
        <form
          className="stacked-form"
          onSubmit={(e) => {
            e.preventDefault();
            void action.run(
              () => browserApi().tender.answerObjection.mutate({ objectionId: objection.id, answerHtml: paragraphsToHtml(text) }),
              () => ({ kind: 'ok', text: t('objection.answered') }),
            );
          }}
        >
          <label>
            {t('objection.answer')}
            <textarea rows={4} value={text} onChange={(e) => setText(e.target.value)} required />
          </label>
          <NoticeLine notice={action.notice} testId="objection-notice" />
          <div>
            <button type="submit" className="button" disabled={action.busy}>
              {action.busy ? t('action.working') : t('objection.submit')}
            </button>
          </div>
        </form>
      )}
    </li>
  );
}

/** 终止: a state with its reason, never a deletion. */
export function CancelPanel({ detail }: { detail: OwnSectionDetail }) {
  const { t } = useI18n();
  const [reason, setReason] = useState('');
  const [confirmed, setConfirmed] = useState(false);
  const action = useAction();
  return (
    <section className="panel panel-danger" aria-labelledby="cancel-title" data-testid="cancel-panel">
      <h2 id="cancel-title">{t('cancel.title')}</h2>
      <p className="muted small">{t('cancel.intro')}</p>
      <form
        className="stacked-form"
        onSubmit={(e) => {
          e.preventDefault();
          void action.run(
            () => browserApi().tender.cancel.mutate({ sectionId: detail.section.id, reason: reason.trim() }),
            () => ({ kind: 'ok', text: t('cancel.done') }),
          );
        }}
      >
        <label>
          {t('cancel.reason')}
          <textarea rows={3} value={reason} onChange={(e) => setReason(e.target.value)} required maxLength={1000} />
        </label>
        <label className="checkbox">
          <input type="checkbox" checked={confirmed} onChange={(e) => setConfirmed(e.target.checked)} />
          {t('cancel.confirm')}
        </label>
        <NoticeLine notice={action.notice} testId="cancel-notice" />
        <div>
          <button type="submit" className="button button-danger" disabled={action.busy || !confirmed}>
            {action.busy ? t('action.working') : t('cancel.submit')}
          </button>
        </div>
      </form>
    </section>
  );
}
