import { useState } from 'react';
import { Link, useNavigate } from 'react-router';
import type { Route } from './+types/login';
import { CertificateLogin } from '../components/certificate/certificate-login';
import { useI18n } from '../i18n/i18n';
import { browserApi } from '../lib/api.browser';
import { describeError } from '../lib/errors';
import { getSession, safeNext } from '../lib/session.server';

export async function loader({ request, context }: Route.LoaderArgs) {
  const url = new URL(request.url);
  const session = await getSession(request, context);
  // The API says why the old session ended (expired, or the account was disabled meanwhile).
  const notice = session.problem ?? (url.searchParams.get('reason') === 'expired' ? ('expired' as const) : null);
  return { next: safeNext(url.searchParams.get('next')), me: session.me, notice };
}

/** The next page must be on this site; the loader already checked it, the browser re-checks. */
function sameSite(path: string): string {
  return path.startsWith('/') && !path.startsWith('//') && !path.startsWith('/\\') ? path : '/w';
}

export default function Login({ loaderData }: Route.ComponentProps) {
  const i18n = useI18n();
  const { t } = i18n;
  const navigate = useNavigate();
  const { next, me, notice } = loaderData;
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [submitting, setSubmitting] = useState(false);

  async function onSubmit(event: React.FormEvent<HTMLFormElement>) {
    event.preventDefault();
    setSubmitting(true);
    setError(null);
    try {
      await browserApi().auth.login.mutate({ username: username.trim(), password });
      await navigate(sameSite(next), { replace: true });
    } catch (failure) {
      setError(describeError(failure, i18n));
      setPassword('');
      setSubmitting(false);
    }
  }

  return (
    <div className="login-page">
      <section className="panel login-panel">
        <h1>{t('login.title')}</h1>
        <p className="muted">{t('login.intro')}</p>
        {me ? (
          <p className="alert alert-info">
            {t('login.already', { name: me.displayName })} <Link to="/w">{t('login.goWorkspace')}</Link>
          </p>
        ) : null}
        {notice && !error ? (
          <p className="alert alert-warning" role="status" data-testid="login-notice">
            {notice === 'expired' ? t('login.expired') : i18n.pick(notice)}
          </p>
        ) : null}
        {error ? (
          <p className="alert alert-error" role="alert" data-testid="login-error">
            {error}
          </p>
        ) : null}
        <h2 className="login-method">{t('login.passwordTitle')}</h2>
        <form method="post" onSubmit={onSubmit} className="stacked-form" data-testid="login-form">
          <label>
            {t('login.username')}
            <input
              name="username"
              autoComplete="username"
              required
              autoFocus
              value={username}
              onChange={(e) => setUsername(e.target.value)}
            />
          </label>
          <label>
            {t('login.password')}
            <input
              name="password"
              type="password"
              autoComplete="current-password"
              required
              value={password}
              onChange={(e) => setPassword(e.target.value)}
            />
          </label>
          <button type="submit" className="button button-wide" disabled={submitting}>
            {submitting ? t('login.submitting') : t('login.submit')}
          </button>
        </form>
        <p className="login-or" aria-hidden="true">
          <span>{t('login.or')}</span>
        </p>
        <h2 className="login-method">{t('certLogin.title')}</h2>
        <CertificateLogin onSignedIn={async () => void (await navigate(sameSite(next), { replace: true }))} />
      </section>
    </div>
  );
}
