import type { Role } from '@ggzy/domain';
import { Link, NavLink } from 'react-router';
import { useI18n, type MessageKey } from '../i18n/i18n';
import type { Me } from '../lib/session.server';

export interface NavItem {
  to: string;
  label: MessageKey;
}

/** What each role can open today; capabilities of later issues are listed as "coming next" instead. */
const ROLE_NAV: Record<Role, NavItem[]> = {
  bidder: [
    { to: '/w/bidder#obtained', label: 'ws.nav.bids' },
    { to: '/w/bidder#questions', label: 'ws.nav.questions' },
    { to: '/w/bidder#notices', label: 'ws.nav.notices' },
    { to: '/sections', label: 'ws.nav.findSections' },
  ],
  tenderer: [
    { to: '/w/tenderer/new', label: 'ws.nav.newSection' },
    { to: '/sections', label: 'ws.nav.portal' },
  ],
  agency: [
    { to: '/w/agency/new', label: 'ws.nav.newSection' },
    { to: '/sections', label: 'ws.nav.portal' },
  ],
  expert: [],
  guarantor: [],
  centre: [
    { to: '/w/centre/calendar', label: 'ws.nav.calendar' },
    { to: '/w/centre/holidays', label: 'ws.nav.holidays' },
    { to: '/w/centre#accounts', label: 'ws.nav.accounts' },
  ],
  supervisor: [
    { to: '/w/supervisor/calendar', label: 'ws.nav.calendar' },
    { to: '/w/supervisor#organisations', label: 'ws.nav.organisations' },
    { to: '/w/supervisor/trace', label: 'ws.nav.trace' },
  ],
};

function workspaceNav(role: Role): NavItem[] {
  return [
    { to: `/w/${role}`, label: 'ws.nav.overview' },
    ...ROLE_NAV[role],
    // Every role signs with a certificate: bidders their bids, custodians their opening-key shares.
    { to: '/w/certificate', label: 'ws.nav.certificate' },
    { to: '/w/password', label: 'ws.nav.password' },
    { to: '/verify', label: 'ws.nav.verify' },
  ];
}

/** The frame of every workspace page: the role's navigation beside the page's own content. */
export function WorkspaceShell({ me, title, children }: { me: Me; title: string; children: React.ReactNode }) {
  const { t } = useI18n();
  return (
    <div className="workspace" data-testid="workspace" data-role={me.role}>
      <nav className="workspace-nav" aria-label={t('ws.nav')}>
        <p className="workspace-nav-title">{t(`ws.${me.role}.title`)}</p>
        <ul>
          {workspaceNav(me.role).map((item) => (
            <li key={item.to}>
              {item.to.includes('#') ? (
                // A section of a page: NavLink would mark it active together with the page itself.
                <Link to={item.to}>{t(item.label)}</Link>
              ) : (
                <NavLink to={item.to} end>
                  {t(item.label)}
                </NavLink>
              )}
            </li>
          ))}
        </ul>
      </nav>
      <div className="workspace-main">
        <h1>{title}</h1>
        {children}
      </div>
    </div>
  );
}

export function AccountCard({ me }: { me: Me }) {
  const i18n = useI18n();
  const { t } = i18n;
  return (
    <section className="panel account-card" aria-label={t('ws.account')}>
      <dl className="facts">
        <div>
          <dt>{t('ws.displayName')}</dt>
          <dd data-testid="account-name">{me.displayName}</dd>
        </div>
        <div>
          <dt>{t('ws.account')}</dt>
          <dd>{me.username}</dd>
        </div>
        <div>
          <dt>{t('ws.role')}</dt>
          <dd>{i18n.pick(me.roleLabel)}</dd>
        </div>
        <div>
          <dt>{t('ws.organisation')}</dt>
          <dd data-testid="account-organisation">{me.organisationName ?? t('ws.individual')}</dd>
        </div>
        <div>
          <dt>{t('ws.region')}</dt>
          <dd>{me.regionCode}</dd>
        </div>
      </dl>
    </section>
  );
}

export function ComingNext({ role }: { role: Role }) {
  const { t, list } = useI18n();
  return (
    <section className="panel coming-next" data-testid="coming-next">
      <h2>{t('ws.comingNext')}</h2>
      <p className="muted">{t('ws.comingNextIntro')}</p>
      <ul>
        {list(`coming.${role}`).map((item) => (
          <li key={item}>{item}</li>
        ))}
      </ul>
    </section>
  );
}

/** A workspace whose role has nothing live yet beyond its account: the simple roles. */
export function SimpleWorkspace({ me }: { me: Me }) {
  const { t } = useI18n();
  return (
    <WorkspaceShell me={me} title={t(`ws.${me.role}.title`)}>
      <AccountCard me={me} />
      <ComingNext role={me.role} />
    </WorkspaceShell>
  );
}
