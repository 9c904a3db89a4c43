import { Form, Link, NavLink, useLocation, useNavigate } from 'react-router';
import { useState } from 'react';
import { useI18n } from '../i18n/i18n';
import { browserApi } from '../lib/api.browser';
import type { Me } from '../lib/session.server';

export function SiteHeader({ me }: { me: Me | null }) {
  const i18n = useI18n();
  const { t } = i18n;
  const location = useLocation();
  const navigate = useNavigate();
  const [signingOut, setSigningOut] = useState(false);

  async function signOut() {
    setSigningOut(true);
    try {
      await browserApi().auth.logout.mutate();
    } catch {
      // An expired or revoked session is signed out already; go home either way.
    }
    setSigningOut(false);
    await navigate('/', { replace: true });
  }

  return (
    <header className="site-header">
      <div className="container header-top">
        <Link to="/" className="brand">
          <span className="brand-emblem" aria-hidden="true">
            公
          </span>
          <span>
            <span className="brand-title">{t('site.title')}</span>
            <span className="brand-subtitle">{t('site.subtitle')}</span>
          </span>
        </Link>
        <div className="header-tools">
          <Form method="post" action="/set-lang" replace preventScrollReset>
            <input type="hidden" name="lang" value={i18n.lang === 'zh' ? 'en' : 'zh'} />
            <input type="hidden" name="returnTo" value={location.pathname + location.search} />
            <button type="submit" className="lang-switch" title={t('lang.switchTitle')} data-testid="lang-switch">
              {t('lang.switch')}
            </button>
          </Form>
          {me ? (
            <div className="who" data-testid="who">
              <span className="who-name">{me.displayName}</span>
              <span className="role-badge">{i18n.pick(me.roleLabel)}</span>
              <button type="button" className="link-button" onClick={signOut} disabled={signingOut} data-testid="sign-out">
                {t('nav.signOut')}
              </button>
            </div>
          ) : (
            <Link to="/login" className="sign-in-link">
              {t('nav.signIn')}
            </Link>
          )}
        </div>
      </div>
      <nav className="site-nav" aria-label={t('nav.main')}>
        <div className="container">
          <NavLink to="/" end>
            {t('nav.home')}
          </NavLink>
          <NavLink to="/sections">{t('nav.sections')}</NavLink>
          <NavLink to="/verify">{t('nav.verify')}</NavLink>
          {me ? <NavLink to="/w">{t('nav.workspace')}</NavLink> : null}
        </div>
      </nav>
    </header>
  );
}

export function SiteFooter() {
  const { t } = useI18n();
  return (
    <footer className="site-footer">
      <div className="container">{t('site.footer')}</div>
    </footer>
  );
}
