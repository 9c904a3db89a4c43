import { useRef, useState } from 'react';
import { useRevalidator } from 'react-router';
import { useI18n } from '../../i18n/i18n';
import { describeError } from '../../lib/errors';
import { formatBytes } from '../../lib/money';
import { uploadDocument } from '../../lib/upload';
import type { OwnSectionDetail } from './use-action';

interface Upload {
  name: string;
  size: number;
  progress: number;
  state: 'waiting' | 'sending' | 'done' | 'error';
  message?: string;
}

/**
 * 招标文件: what is uploaded (published or waiting for the next amendment), and uploads with a
 * progress bar. Files go one after another, each streamed straight to the object store.
 */
export function DocumentsPanel({ detail }: { detail: OwnSectionDetail }) {
  const i18n = useI18n();
  const { t } = i18n;
  const revalidator = useRevalidator();
  const input = useRef<HTMLInputElement>(null);
  const [uploads, setUploads] = useState<Upload[]>([]);
  const [busy, setBusy] = useState(false);
  const { section, documents } = detail;
  const canUpload = section.state === 'draft' || section.state === 'announced';

  async function upload(files: File[]) {
    if (files.length === 0) return;
    setBusy(true);
    setUploads(files.map((f) => ({ name: f.name, size: f.size, progress: 0, state: 'waiting' })));
    const patch = (i: number, change: Partial<Upload>) => setUploads((list) => list.map((u, j) => (j === i ? { ...u, ...change } : u)));
    for (const [i, file] of files.entries()) {
      patch(i, { state: 'sending' });
      try {
        const stored = await uploadDocument(section.id, file, (progress) => patch(i, { progress }));
        patch(i, { state: 'done', progress: 1, message: t('docs.uploaded', { version: stored.version, sha: stored.sha256.slice(0, 16) }) });
      } catch (error) {
        patch(i, { state: 'error', message: describeError(error, i18n) });
      }
    }
    if (input.current) input.current.value = '';
    await revalidator.revalidate();
    setBusy(false);
  }

  return (
    <section className="panel" aria-labelledby="docs-title" data-testid="documents-panel">
      <h2 id="docs-title">{t('docs.title')}</h2>
      <div className="table-wrap">
        <table className="data-table" data-testid="own-documents">
          <thead>
            <tr>
              <th>{t('col.filename')}</th>
              <th className="num">{t('col.version')}</th>
              <th className="num">{t('col.size')}</th>
              <th>SHA-256</th>
              <th>{t('col.status')}</th>
            </tr>
          </thead>
          <tbody>
            {documents.length === 0 ? (
              <tr>
                <td colSpan={5} className="empty">
                  {t('docs.none')}
                </td>
              </tr>
            ) : null}
            {documents.map((d) => (
              <tr key={d.id} data-testid="own-document" data-filename={d.filename}>
                <td>{d.published ? <a href={`/api/documents/${d.id}`}>{d.filename}</a> : d.filename}</td>
                <td className="num">v{d.version}</td>
                <td className="num nowrap">{formatBytes(d.size)}</td>
                <td className="mono hash">{d.sha256}</td>
                <td>
                  {d.superseded ? (
                    <span className="badge badge-muted">{t('detail.superseded')}</span>
                  ) : d.published ? (
                    <span className="status status-active">{t('docs.published')}</span>
                  ) : (
                    <span className="badge badge-pending">{section.state === 'draft' ? t('docs.withPublication') : t('docs.withAmendment')}</span>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {canUpload ? (
        <div className="upload-box">
          <label>
            {t('docs.choose')}
            <input ref={input} type="file" multiple disabled={busy} data-testid="upload-input" onChange={(e) => upload(Array.from(e.target.files ?? []))} />
          </label>
          <p className="muted small">{section.state === 'draft' ? t('docs.hintDraft') : t('docs.hintAnnounced')}</p>
          {uploads.length > 0 ? (
            <ul className="upload-list" data-testid="uploads">
              {uploads.map((u, i) => (
                <li key={i} data-testid="upload" data-state={u.state}>
                  <span className="upload-name">
                    {u.name} <span className="muted">({formatBytes(u.size)})</span>
                  </span>
                  <progress max={1} value={u.progress} aria-label={u.name} />
                  <span className="muted nowrap">{Math.round(u.progress * 100)}%</span>
                  {u.message ? <span className={u.state === 'error' ? 'field-error' : 'verdict verdict-ok'}>{u.message}</span> : null}
                </li>
              ))}
            </ul>
          ) : null}
        </div>
      ) : null}
    </section>
  );
}
