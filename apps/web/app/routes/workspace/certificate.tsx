import { DataTable } from '@ggzy/ui';
import { useState } from 'react';
import { useRevalidator } from 'react-router';
import type { Route } from './+types/certificate';
import { EnrolPanel } from '../../components/certificate/enrol-panel';
import { RegisterPanel } from '../../components/certificate/register-panel';
import { Time } from '../../components/section-bits';
import { WorkspaceShell } from '../../components/workspace-shell';
import { useI18n } from '../../i18n/i18n';
import { browserApi } from '../../lib/api.browser';
import { serverApi } from '../../lib/api.server';
import { apiErrorOf, describeError } from '../../lib/errors';
import { requireAccount } from '../../lib/session.server';

/** /w/certificate: every role's certificates (docs/sealed-bids.md §1). */
export async function loader({ request, context }: Route.LoaderArgs) {
  const me = await requireAccount(request, context);
  // The CSR carries the organisation's credit code; the API names it where it knows it.
  const loose = me as Record<string, unknown>;
  const creditCode = typeof loose.creditCode === 'string' ? loose.creditCode : typeof loose.organisationCreditCode === 'string' ? loose.organisationCreditCode : null;
  try {
    return { me, creditCode, certificates: await serverApi(request, context).certificate.mine.query(), error: null };
  } catch (error) {
    return { me, creditCode, certificates: [], error: apiErrorOf(error) ?? { code: 'INTERNAL' as const, zh: '无法加载证书列表', en: 'Could not load your certificates' } };
  }
}

type Certificate = Route.ComponentProps['loaderData']['certificates'][number];

/** The CN of a distinguished name as the API writes it ("C=CN, O=…, CN=…"); the whole name is in the cell's title. */
function commonNameOf(name: string): string {
  return /(?:^|,\s*)CN=([^,]+)/.exec(name)?.[1]?.trim() ?? name;
}

export default function Certificates({ loaderData }: Route.ComponentProps) {
  const i18n = useI18n();
  const { t } = i18n;
  const { me, creditCode, certificates, error } = loaderData;
  return (
    <WorkspaceShell me={me} title={t('cert.title')}>
      <p className="muted">{t('cert.intro')}</p>
      {error ? <p className="alert alert-error">{i18n.pick(error)}</p> : null}
      <section className="panel" aria-labelledby="mine-title">
        <h2 id="mine-title">{t('cert.mine')}</h2>
        <DataTable
          testId="certificates"
          headers={[t('cert.serial'), t('cert.subject'), t('cert.issuer'), t('cert.algorithm'), t('cert.validity'), t('col.status'), t('col.actions')]}
          isEmpty={certificates.length === 0}
          empty={t('cert.none')}
        >
          {certificates.map((c) => (
            <CertificateRow key={c.id} certificate={c} />
          ))}
        </DataTable>
      </section>
      {me.organisationName ? <EnrolPanel subject={{ name: me.organisationName, creditCode }} username={me.username} /> : <p className="alert alert-info">{t('cert.noOrganisation')}</p>}
      <RegisterPanel />
    </WorkspaceShell>
  );
}

function CertificateRow({ certificate: c }: { certificate: Certificate }) {
  const i18n = useI18n();
  const { t } = i18n;
  const revalidator = useRevalidator();
  const [revoking, setRevoking] = useState(false);
  const [reason, setReason] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  async function revoke(event: React.FormEvent<HTMLFormElement>) {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await browserApi().certificate.revoke.mutate({ id: c.id, reason: reason.trim() });
      await revalidator.revalidate();
      setRevoking(false);
    } catch (failure) {
      setError(describeError(failure, i18n));
    } finally {
      setBusy(false);
    }
  }

  return (
    <tr data-testid="certificate" data-serial={c.serial} data-status={c.status}>
      <td className="mono small">{c.serial}</td>
      <td className="small" title={c.subject}>
        {commonNameOf(c.subject)}
      </td>
      <td className="small" title={c.issuer}>
        {commonNameOf(c.issuer)}
      </td>
      <td className="small mono">{c.algorithm.toUpperCase()}</td>
      <td className="small">
        <Time iso={c.notBefore} /> — <Time iso={c.notAfter} />
      </td>
      <td>
        <span className={`status cert-${c.status}`} data-testid="certificate-status">
          {t(`cert.status.${c.status}`)}
        </span>
      </td>
      <td>
        {c.status !== 'valid' ? null : revoking ? (
          <form onSubmit={revoke} className="inline-form">
            <label className="sr-only" htmlFor={`reason-${c.id}`}>
              {t('cert.revokeReason')}
            </label>
            <input id={`reason-${c.id}`} required minLength={2} placeholder={t('cert.revokeReason')} value={reason} onChange={(e) => setReason(e.target.value)} />
            <button type="submit" className="button button-small button-danger" disabled={busy}>
              {t('cert.revokeConfirm')}
            </button>
            {error ? (
              <span className="field-error" role="alert">
                {error}
              </span>
            ) : null}
          </form>
        ) : (
          <button type="button" className="button button-small button-danger" onClick={() => setRevoking(true)}>
            {t('cert.revoke')}
          </button>
        )}
      </td>
    </tr>
  );
}
