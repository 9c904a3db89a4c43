import { useState } from 'react';
import { useI18n } from '../../i18n/i18n';
import { browserApi } from '../../lib/api.browser';
import { paragraphsToHtml } from '../../lib/rich-text';
import { formatTime } from '../../lib/time';
import { NoticeLine, useAction, type OwnSectionDetail } from './use-action';

/** 发布: the tender notice (plain paragraphs), then the section is on the portal and its documents obtainable. */
export function PublishPanel({ detail, now }: { detail: OwnSectionDetail; now: string }) {
  const i18n = useI18n();
  const { t } = i18n;
  const { section, project, documents } = detail;
  const [title, setTitle] = useState(t('publish.defaultTitle', { project: project.name, section: section.name }));
  const [text, setText] = useState(
    t('publish.defaultText', {
      project: project.name,
      projectCode: project.code,
      section: section.name,
      sectionCode: section.code,
      from: formatTime(section.documentsFrom),
      until: formatTime(section.documentsUntil),
      deadline: formatTime(section.deadline),
    }),
  );
  const action = useAction();
  // The API allows a minute's grace (publish-section.ts); warn before that is used up.
  const startPassed = new Date(section.documentsFrom).getTime() < new Date(now).getTime() - 60_000;

  function onSubmit(event: React.FormEvent<HTMLFormElement>) {
    event.preventDefault();
    void action.run(
      () => browserApi().tender.publish.mutate({ sectionId: section.id, noticeTitle: title.trim(), noticeHtml: paragraphsToHtml(text) }),
      () => ({ kind: 'ok', text: t('publish.done') }),
    );
  }

  return (
    <section className="panel" aria-labelledby="publish-title" data-testid="publish-panel">
      <h2 id="publish-title">{t('publish.title')}</h2>
      <p className="muted">{t('publish.intro')}</p>
      {documents.length === 0 ? <p className="alert alert-warning">{t('publish.noDocuments')}</p> : null}
      {startPassed ? <p className="alert alert-warning">{t('publish.startPassed')}</p> : null}
      <form className="stacked-form" onSubmit={onSubmit}>
        <label>
          {t('publish.noticeTitle')}
          <input name="noticeTitle" value={title} onChange={(e) => setTitle(e.target.value)} maxLength={200} required minLength={2} />
        </label>
        <label>
          {t('publish.noticeText')}
          <textarea name="noticeText" rows={10} value={text} onChange={(e) => setText(e.target.value)} required />
          <span className="hint">{t('publish.textHint')}</span>
        </label>
        <NoticeLine notice={action.notice} testId="publish-notice" />
        <div>
          <button type="submit" className="button" disabled={action.busy} data-testid="publish">
            {action.busy ? t('action.working') : t('publish.submit')}
          </button>
        </div>
      </form>
    </section>
  );
}
