import { useState } from 'react';
import { useRouteLoaderData } from 'react-router';
import { WorkspaceShell } from '../../components/workspace-shell';
import { useI18n } from '../../i18n/i18n';
import { browserApi } from '../../lib/api.browser';
import { describeError } from '../../lib/errors';
import type { loader as layoutLoader } from './layout';

/** Every role can change its own password (auth.changePassword). */
export default function ChangePassword() {
  const i18n = useI18n();
  const { t } = i18n;
  const layout = useRouteLoaderData<typeof layoutLoader>('routes/workspace/layout');
  const [fields, setFields] = useState({ current: '', next: '', again: '' });
  const [result, setResult] = useState<{ ok: boolean; text: string } | null>(null);
  const [submitting, setSubmitting] = useState(false);
  if (!layout) return null;

  async function onSubmit(event: React.FormEvent<HTMLFormElement>) {
    event.preventDefault();
    if (fields.next !== fields.again) {
      setResult({ ok: false, text: t('password.mismatch') });
      return;
    }
    setSubmitting(true);
    try {
      await browserApi().auth.changePassword.mutate({ currentPassword: fields.current, newPassword: fields.next });
      setResult({ ok: true, text: t('password.done') });
      setFields({ current: '', next: '', again: '' });
    } catch (failure) {
      setResult({ ok: false, text: describeError(failure, i18n) });
    } finally {
      setSubmitting(false);
    }
  }

  const field = (name: keyof typeof fields, label: string, autoComplete: string) => (
    <label>
      {label}
      <input
        type="password"
        name={name}
        required
        autoComplete={autoComplete}
        value={fields[name]}
        onChange={(e) => setFields((f) => ({ ...f, [name]: e.target.value }))}
      />
    </label>
  );

  return (
    <WorkspaceShell me={layout.me} title={t('password.title')}>
      <section className="panel narrow-panel">
        {result ? (
          <p className={`alert ${result.ok ? 'alert-ok' : 'alert-error'}`} role="status">
            {result.text}
          </p>
        ) : null}
        <form onSubmit={onSubmit} className="stacked-form">
          {field('current', t('password.current'), 'current-password')}
          {field('next', t('password.new'), 'new-password')}
          {field('again', t('password.confirm'), 'new-password')}
          <button type="submit" className="button" disabled={submitting}>
            {t('password.submit')}
          </button>
        </form>
      </section>
    </WorkspaceShell>
  );
}
