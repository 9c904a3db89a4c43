import { useState } from 'react';
import { Link, useRevalidator } from 'react-router';
import type { Route } from './+types/centre';
import { AccountCard, ComingNext, WorkspaceShell } from '../../components/workspace-shell';
import { useI18n } from '../../i18n/i18n';
import { browserApi } from '../../lib/api.browser';
import { serverApi } from '../../lib/api.server';
import { apiErrorOf, describeError } from '../../lib/errors';
import { requireRole } from '../../lib/session.server';

export async function loader({ request, context }: Route.LoaderArgs) {
  const me = await requireRole(request, context, 'centre');
  try {
    return { me, accounts: await serverApi(request, context).directory.accounts.query(), error: null };
  } catch (error) {
    return { me, accounts: [], error: apiErrorOf(error) ?? { code: 'INTERNAL', zh: '无法加载账号列表', en: 'Could not load the accounts' } };
  }
}

type Notice = { kind: 'ok' | 'error'; text: string } | null;

export default function CentreWorkspace({ loaderData }: Route.ComponentProps) {
  const i18n = useI18n();
  const { t } = i18n;
  const { me, accounts, error } = loaderData;
  const revalidator = useRevalidator();
  const [busy, setBusy] = useState<string | null>(null);
  const [notice, setNotice] = useState<Notice>(null);

  async function setStatus(account: { id: string; username: string }, status: 'active' | 'disabled') {
    setBusy(account.id);
    setNotice(null);
    try {
      await browserApi().directory.setAccountStatus.mutate({ accountId: account.id, status });
      await revalidator.revalidate();
      setNotice({ kind: 'ok', text: t('centre.changed', { username: account.username, status: t(`status.${status}`) }) });
    } catch (failure) {
      setNotice({ kind: 'error', text: describeError(failure, i18n) });
    } finally {
      setBusy(null);
    }
  }

  return (
    <WorkspaceShell me={me} title={t('ws.centre.title')}>
      <AccountCard me={me} />
      <section className="panel">
        <h2>{t('ws.nav.calendar')}</h2>
        <p>{t('calendar.introCentre')}</p>
        <p className="form-actions">
          <Link to="/w/centre/calendar" className="button" data-testid="calendar-link">
            {t('calendar.open')} →
          </Link>
          <Link to="/w/centre/holidays" className="button button-secondary">
            {t('ws.nav.holidays')}
          </Link>
        </p>
      </section>
      <section className="panel" id="accounts">
        <h2>{t('centre.accounts')}</h2>
        <p className="muted">{t('centre.accountsIntro')}</p>
        {error ? <p className="alert alert-error">{i18n.pick(error)}</p> : null}
        {notice ? (
          <p className={`alert ${notice.kind === 'ok' ? 'alert-ok' : 'alert-error'}`} role="status" data-testid="accounts-notice">
            {notice.text}
          </p>
        ) : null}
        <div className="table-wrap">
          <table className="data-table" data-testid="accounts-table">
            <thead>
              <tr>
                <th>{t('col.username')}</th>
                <th>{t('col.displayName')}</th>
                <th>{t('col.role')}</th>
                <th>{t('col.organisation')}</th>
                <th>{t('col.region')}</th>
                <th>{t('col.status')}</th>
                <th>{t('col.actions')}</th>
              </tr>
            </thead>
            <tbody>
              {accounts.map((account) => (
                <tr key={account.id} data-testid={`account-${account.username}`} data-status={account.status}>
                  <td className="mono">{account.username}</td>
                  <td>{account.displayName}</td>
                  <td>{t(`role.${account.role}`)}</td>
                  <td>{account.organisationName ?? '—'}</td>
                  <td className="mono">{account.regionCode}</td>
                  <td>
                    <span className={`status status-${account.status}`}>{t(`status.${account.status}`)}</span>
                  </td>
                  <td>
                    {account.id === me.accountId ? (
                      <span className="muted">{t('action.self')}</span>
                    ) : account.status === 'active' ? (
                      <button type="button" className="button button-small button-danger" disabled={busy !== null} onClick={() => setStatus(account, 'disabled')}>
                        {busy === account.id ? t('action.working') : t('action.disable')}
                      </button>
                    ) : (
                      <button type="button" className="button button-small" disabled={busy !== null} onClick={() => setStatus(account, 'active')}>
                        {busy === account.id ? t('action.working') : t('action.enable')}
                      </button>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </section>
      <ComingNext role="centre" />
    </WorkspaceShell>
  );
}
