import { useState } from 'react';
import { data, Link } from 'react-router';
import type { Route } from './+types/bid';
import { BidForm } from '../../components/bid/bid-form';
import { DeadlineClock } from '../../components/bid/deadline-clock';
import { ReceiptView } from '../../components/bid/receipt-view';
import { SelfTest } from '../../components/bid/self-test';
import { useBidFlow, type Notice, type SealingInfo } from '../../components/bid/use-bid-flow';
import { useKeyFile } from '../../components/bid/use-key-file';
import { StateBadge, SuspendedBadge, SuspensionNotice, Time } from '../../components/section-bits';
import { WorkspaceShell } from '../../components/workspace-shell';
import { useI18n } from '../../i18n/i18n';
import { serverApi, type ServerApi } from '../../lib/api.server';
import { apiErrorOf, type ApiError } from '../../lib/errors';
import { formatBytes } from '../../lib/money';
import { requireRole } from '../../lib/session.server';

/** One of the company's own submissions or withdrawals, newest first (bidding.submissions). */
export type Submission = Awaited<ReturnType<ServerApi['bidding']['submissions']['query']>>[number];

/** /w/bidder/sections/:sectionId/bid: sealing, uploading and submitting a bid (docs/sealed-bids.md). */
export async function loader({ request, context, params }: Route.LoaderArgs) {
  const me = await requireRole(request, context, 'bidder');
  const api = serverApi(request, context);
  let portal;
  try {
    portal = await api.portal.section.query({ sectionId: params.sectionId });
  } catch (error) {
    const app = apiErrorOf(error);
    if (app?.code === 'NOT_FOUND' || app?.code === 'INVALID_INPUT') throw data(null, { status: 404 });
    throw data({ kind: 'unavailable' as const }, { status: 503 });
  }
  const fallback: ApiError = { code: 'INTERNAL', zh: '无法加载投标所需信息', en: 'Could not load what the bid needs' };
  const [sealing, submissions] = await Promise.all([
    api.bidding.sealingInfo.query({ sectionId: params.sectionId }).then(
      (value): { value: SealingInfo; error: null } => ({ value, error: null }),
      (error: unknown): { value: null; error: ApiError } => ({ value: null, error: apiErrorOf(error) ?? fallback }),
    ),
    api.bidding.submissions.query({ sectionId: params.sectionId }).catch((): Submission[] => []),
  ]);
  const { section } = portal;
  return {
    me,
    section: { id: section.id, code: section.code, name: section.name, deadline: section.deadline, state: section.state },
    suspension: portal.suspension,
    now: new Date().toISOString(),
    sealing,
    submissions,
  };
}

export default function BidPage({ loaderData }: Route.ComponentProps) {
  const i18n = useI18n();
  const { t } = i18n;
  const { me, section, sealing, submissions, suspension, now } = loaderData;
  // The submission that counts now; the newest if the API does not say.
  const current = submissions.find((s) => s.current) ?? submissions[0] ?? null;
  return (
    <WorkspaceShell me={me} title={t('bid.title', { name: section.name })}>
      <p className="breadcrumb">
        <Link to="/w/bidder">{t('ws.bidder.title')}</Link> › <Link to={`/sections/${section.id}`}>{section.name}</Link> › <span className="mono">{section.code}</span>
      </p>
      <DeadlineClock deadline={section.deadline} />
      <SuspensionNotice suspension={suspension} now={now} />
      <section className="panel" aria-labelledby="status-title" data-testid="bid-status" data-status={current?.kind ?? 'none'}>
        <div className="panel-heading">
          <h2 id="status-title">{t('bid.status')}</h2>
          <StateBadge state={section.state} />
          <SuspendedBadge suspended={suspension !== null} />
        </div>
        <p>
          <strong>{current?.kind === 'submit' ? t('bid.status.submitted') : current?.kind === 'withdraw' ? t('bid.status.withdrawn') : t('bid.status.none')}</strong>
          {current?.kind === 'submit' && current.ciphertextSha256 ? (
            <span className="muted small"> · {t('bid.currentSince', { digest: `${current.ciphertextSha256.slice(0, 16)}…` })} <Time iso={current.receivedAt} /></span>
          ) : null}
        </p>
        <p className="muted small">{t('bid.intro')}</p>
      </section>
      {current?.kind === 'submit' && current.uploadId && section.state === 'announced' ? <SelfTest uploadId={current.uploadId} ciphertextSha256={current.ciphertextSha256} /> : null}
      {sealing.value ? (
        <BidWorkspace me={me} sealing={sealing.value} sectionName={section.name} hasCurrentBid={current?.kind === 'submit'} open={section.state === 'announced'} stateLabel={section.state} />
      ) : (
        <section className="panel">
          <p className="alert alert-error" role="alert" data-testid="sealing-error">
            {i18n.pick(sealing.error)}
          </p>
          <p>
            {t('bid.noCertificate')} <Link to="/w/certificate">{t('bid.enrolLink')} →</Link>
          </p>
        </section>
      )}
      <History submissions={submissions} sectionName={section.name} />
    </WorkspaceShell>
  );
}

function NoticeLine({ notice }: { notice: Notice }) {
  if (!notice) return null;
  return (
    <p className={`alert alert-${notice.kind}`} role={notice.kind === 'error' ? 'alert' : 'status'} data-testid="bid-notice" data-kind={notice.kind}>
      {notice.text}
    </p>
  );
}

function BidWorkspace(props: { me: Route.ComponentProps['loaderData']['me']; sealing: SealingInfo; sectionName: string; hasCurrentBid: boolean; open: boolean; stateLabel: string }) {
  const { t } = useI18n();
  const { me, sealing, hasCurrentBid } = props;
  const bidderRecipient = sealing.recipients.find((r) => r.role === 'bidder');
  const keyFile = useKeyFile({ keyId: bidderRecipient?.keyId ?? null, spki: bidderRecipient?.publicKeySpki ?? null, serial: sealing.certificate?.serial ?? null });
  const flow = useBidFlow({ accountId: me.accountId, organisationId: me.organisationId ?? '', sealing, keyFile });
  return (
    <>
      {!props.open ? <p className="alert alert-warning">{t('bid.notOpen', { state: props.stateLabel })}</p> : null}
      <section className="panel" aria-labelledby="bid-title">
        <h2 id="bid-title">{t('bid.open')}</h2>
        <div aria-live="polite">
          <NoticeLine notice={flow.notice} />
        </div>
        {flow.receipt ? <ReceiptView receipt={flow.receipt} sectionName={props.sectionName} /> : null}
        <BidForm flow={flow} keyFile={keyFile} sealing={sealing} hasCurrentBid={hasCurrentBid} />
        {hasCurrentBid ? (
          <p className="form-actions withdraw-line">
            <button
              type="button"
              className="button button-danger"
              disabled={flow.busy !== null}
              data-testid="withdraw-bid"
              onClick={() => {
                if (window.confirm(t('bid.withdrawConfirm'))) void flow.withdraw();
              }}
            >
              {flow.busy === 'withdrawing' ? t('bid.withdrawing') : t('bid.withdraw')}
            </button>
          </p>
        ) : null}
      </section>
    </>
  );
}

function History({ submissions, sectionName }: { submissions: Submission[]; sectionName: string }) {
  const { t } = useI18n();
  const [shown, setShown] = useState<string | null>(null);
  return (
    <section className="panel" aria-labelledby="history-title" data-testid="bid-history">
      <h2 id="history-title">{t('bid.history')}</h2>
      {submissions.length === 0 ? <p className="muted">{t('bid.noHistory')}</p> : null}
      <ul className="plain-list">
        {submissions.map((s) => (
          <li key={s.id} data-testid="submission" data-kind={s.kind}>
            <p>
              <strong>{t(`bid.kind.${s.kind}`)}</strong> · <Time iso={s.receivedAt} />
              {s.ciphertextSha256 ? <span className="mono small"> · {s.ciphertextSha256.slice(0, 16)}…</span> : null}
              {s.envelopeBytes !== null ? <span className="muted small"> · {formatBytes(s.envelopeBytes)}</span> : null}{' '}
              {s.receipt ? (
                <button type="button" className="button button-secondary button-small" onClick={() => setShown(shown === s.id ? null : s.id)} aria-expanded={shown === s.id} data-testid="view-receipt">
                  {t('bid.viewReceipt')}
                </button>
              ) : (
                <span className="muted small">{t('bid.receiptPending')}</span>
              )}
            </p>
            {shown === s.id && s.receipt ? <ReceiptView receipt={s.receipt} sectionName={sectionName} /> : null}
          </li>
        ))}
      </ul>
    </section>
  );
}
