import { useCallback, useEffect, useRef, useState } from 'react';
import { data, isRouteErrorResponse, Link } from 'react-router';
import type { Route } from './+types/hall';
import { ErrorPage } from '../components/error-page';
import { BidderPanel } from '../components/hall/bidder-panel';
import { OpenedBids } from '../components/hall/opened-bids';
import { StateBadge } from '../components/section-bits';
import { useI18n, type MessageKey } from '../i18n/i18n';
import { browserApi } from '../lib/api.browser';
import { serverApi } from '../lib/api.server';
import { apiErrorOf, describeError } from '../lib/errors';
import { applyHallEvent } from '../lib/hall-events';
import { formatYuan } from '../lib/money';
import { formatTime } from '../lib/time';

export async function loader({ request, context, params }: Route.LoaderArgs) {
  const api = serverApi(request, context);
  try {
    return { hall: await api.hall.get.query({ sectionId: params.sectionId }) };
  } catch (error) {
    const app = apiErrorOf(error);
    if (app?.code === 'NOT_FOUND' || app?.code === 'INVALID_INPUT') throw data({ kind: 'no-hall' as const }, { status: 404 });
    throw data({ kind: 'unavailable' as const }, { status: 503 });
  }
}

type Hall = Route.ComponentProps['loaderData']['hall'];
type Connection = 'connecting' | 'live' | 'offline';

/** The server's clock, ticking locally from the offset measured when the snapshot arrived. */
function useServerClock(serverTime: string) {
  const offset = useRef(0);
  const [now, setNow] = useState(() => new Date(serverTime).getTime());
  useEffect(() => {
    offset.current = new Date(serverTime).getTime() - Date.now();
    setNow(Date.now() + offset.current);
  }, [serverTime]);
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now() + offset.current), 1000);
    return () => clearInterval(timer);
  }, []);
  return now;
}

const pad = (n: number) => String(n).padStart(2, '0');
const duration = (seconds: number) => `${pad(Math.floor(seconds / 3600))}:${pad(Math.floor((seconds % 3600) / 60))}:${pad(seconds % 60)}`;

/**
 * 不见面开标大厅: one live page per section for everyone (DESIGN.md §2). The page starts from the
 * `hall.get` snapshot and follows `hall.watch` (SSE); every event carries its id, so a reconnect
 * (to this API process or another) resumes after the last one seen. Events are applied to the
 * snapshot (lib/hall-events.ts, idempotent); those only the server can resolve make the page read
 * the snapshot again.
 */
export default function HallPage({ loaderData }: Route.ComponentProps) {
  const i18n = useI18n();
  const { t } = i18n;
  const [hall, setHall] = useState<Hall>(loaderData.hall);
  const [connection, setConnection] = useState<Connection>('connecting');
  const [lastEventId, setLastEventId] = useState(loaderData.hall.lastEventId);
  const sectionId = loaderData.hall.section.id;
  const now = useServerClock(hall.serverTime);
  /** The hall as last shown, and the events that arrived while a snapshot read was under way. */
  const current = useRef<Hall>(loaderData.hall);
  const arrivedDuringRead = useRef<Array<{ kind: string; payload: Record<string, unknown>; at: string }> | null>(null);
  const show = useCallback((next: Hall) => {
    current.current = next;
    setHall(next);
  }, []);

  const refresh = useCallback(async () => {
    arrivedDuringRead.current = [];
    try {
      let next = await browserApi().hall.get.query({ sectionId });
      // An event that committed after the snapshot was read must not be lost by showing it.
      let again = false;
      for (const event of arrivedDuringRead.current ?? []) {
        const applied = applyHallEvent(next, event);
        if (applied) next = applied;
        else again = true;
      }
      show(next);
      if (again) setTimeout(() => void refresh(), 200);
    } catch {
      setConnection('offline');
    } finally {
      arrivedDuringRead.current = null;
    }
  }, [sectionId, show]);

  useEffect(() => {
    let pending: ReturnType<typeof setTimeout> | undefined;
    const subscription = browserApi().hall.watch.subscribe(
      { sectionId, lastEventId: loaderData.hall.lastEventId },
      {
        onStarted: () => setConnection('live'),
        onData: (event) => {
          setConnection('live');
          setLastEventId(event.id);
          arrivedDuringRead.current?.push(event.data);
          // Most events are applied here; the rest make the page read the snapshot again, once per
          // burst (the public spread over a second and a half, so that a full hall does not read at once).
          const next = applyHallEvent(current.current, event.data);
          if (next) {
            show(next);
            return;
          }
          if (pending) return;
          pending = setTimeout(
            () => {
              pending = undefined;
              void refresh();
            },
            loaderData.hall.me.role === 'public' ? 50 + Math.random() * 1500 : 50,
          );
        },
        onConnectionStateChange: (state) => {
          if (state.state === 'pending') setConnection('live');
          else if (state.state === 'connecting') setConnection(state.error ? 'offline' : 'connecting');
        },
        onError: () => setConnection('offline'),
      },
    );
    return () => {
      clearTimeout(pending);
      subscription.unsubscribe();
    };
  }, [sectionId, loaderData.hall.lastEventId, loaderData.hall.me.role, refresh, show]);

  const ends = hall.hall.decryptionEndsAt ? new Date(hall.hall.decryptionEndsAt).getTime() : null;
  const secondsLeft = ends !== null && hall.hall.state === 'decrypting' ? Math.max(0, Math.floor((ends - now) / 1000)) : null;
  const nameOf = new Map(hall.bidders.map((b) => [b.organisationId, b.name]));

  return (
    <div className="hall" data-testid="hall" data-section-id={sectionId} data-hall-state={hall.hall.state} data-last-event-id={lastEventId}>
      <p className="breadcrumb">
        <Link to="/">{t('nav.home')}</Link> › <Link to={`/sections/${sectionId}`}>{hall.section.name}</Link> › {t('hall.title')}
      </p>
      <div className="detail-heading">
        <h1>
          {t('hall.title')} · {hall.section.name}
        </h1>
        <StateBadge state={hall.section.state} />
        <span className={`live-dot live-${connection}`} data-testid="hall-connection" data-state={connection}>
          {t(`hall.connection.${connection}`)}
        </span>
      </div>
      <p className="muted">
        <span className="mono">{hall.section.code}</span> · {t('hall.intro')}
      </p>

      <section className="panel" aria-labelledby="hall-status">
        <h2 id="hall-status">{t('hall.state')}</h2>
        <dl className="facts">
          <div>
            <dt>{t('hall.serverTime')}</dt>
            <dd className="mono" data-testid="hall-clock">
              {formatTime(new Date(now).toISOString())}
            </dd>
          </div>
          <div>
            <dt>{t('hall.state')}</dt>
            <dd data-testid="hall-state">{t(`hall.state.${hall.hall.state}` as MessageKey)}</dd>
          </div>
          <div>
            <dt>{t('hall.window')}</dt>
            <dd data-testid="hall-window">
              {hall.hall.decryptionStartedAt === null
                ? t('hall.window.notStarted')
                : secondsLeft !== null && secondsLeft > 0
                  ? t('hall.window.left', { time: duration(secondsLeft) })
                  : t('hall.window.closed')}
              {hall.hall.extension ? (
                <span className="muted"> · {t('hall.window.extended', { minutes: hall.hall.extension.minutes ?? 0, reason: hall.hall.extension.reason ?? '' })}</span>
              ) : null}
            </dd>
          </div>
        </dl>
        {hall.hall.paused ? (
          <p className="alert alert-warning" data-testid="hall-paused">
            {t('hall.paused', { reason: hall.hall.pauseReason ?? '' })}
          </p>
        ) : null}
      </section>

      <section className="panel" aria-labelledby="hall-bidders">
        <h2 id="hall-bidders">{t('hall.bidders')}</h2>
        <table className="table" data-testid="hall-bidders">
          <thead>
            <tr>
              <th>{t('hall.bidder.company')}</th>
              <th>{t('hall.bidder.signedIn')}</th>
              <th>{t('hall.bidder.state')}</th>
            </tr>
          </thead>
          <tbody>
            {hall.bidders.map((b) => (
              <tr key={b.organisationId} data-testid="hall-bidder" data-organisation-id={b.organisationId} data-state={b.state}>
                <td>{b.name}</td>
                <td>{b.signedInAt ? formatTime(b.signedInAt) : <span className="muted">{t('hall.bidder.notSignedIn')}</span>}</td>
                <td>
                  {t(`hall.bidState.${b.state}` as MessageKey)}
                  {b.queuePosition ? <span className="muted"> · {t('hall.bidder.queue', { n: b.queuePosition })}</span> : null}
                  {b.reason ? <span className="muted"> · {b.reason}</span> : null}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </section>

      <section className="panel" aria-labelledby="hall-record">
        <h2 id="hall-record">{t('hall.record')}</h2>
        {hall.hall.state === 'closed' ? (
          <p>
            <a href={`/api/sections/${sectionId}/opening-record.pdf`} target="_blank" rel="noreferrer" data-testid="hall-record-pdf">
              {t('hall.recordPdf')}
            </a>
          </p>
        ) : null}
        {hall.record.length === 0 ? (
          <p className="muted">{t('hall.record.empty')}</p>
        ) : (
          <div className="table-scroll">
            <table className="table" data-testid="hall-record">
              <thead>
                <tr>
                  <th>{t('hall.record.position')}</th>
                  <th>{t('hall.record.company')}</th>
                  <th>{t('hall.record.price')}</th>
                  <th>{t('hall.record.duration')}</th>
                  <th>{t('hall.record.quality')}</th>
                  <th>{t('hall.record.bond')}</th>
                  <th>{t('hall.record.digest')}</th>
                </tr>
              </thead>
              <tbody>
                {hall.record.map((row) => (
                  <tr key={row.position} data-testid="hall-record-row" data-organisation-id={row.organisationId} data-outcome={row.outcome}>
                    <td>{row.position}</td>
                    <td>{row.companyName}</td>
                    <td>
                      {row.priceFen === null ? (
                        t(`hall.record.outcome.${row.outcome === 'withdrawn' ? 'withdrawn' : 'revoked'}`)
                      ) : (
                        <>
                          <span className="figure" data-testid="hall-record-price">{formatYuan(Number(row.priceFen))}</span>
                          <br />
                          <span className="muted" data-testid="hall-record-price-words">
                            {t('hall.record.priceInWords')}：{row.priceInWords}
                          </span>
                        </>
                      )}
                      {row.reason ? <div className="muted">{row.reason}</div> : null}
                    </td>
                    <td>{row.durationDays ?? '—'}</td>
                    <td>{row.quality ?? '—'}</td>
                    <td>{row.bondReference ?? '—'}</td>
                    <td>
                      <span className="mono digest">{row.ciphertextSha256}</span>
                      {row.matchesReceipt === null ? null : (
                        <div className={row.matchesReceipt ? 'ok' : 'alert-error'}>{row.matchesReceipt ? t('hall.record.matches') : t('hall.record.mismatch')}</div>
                      )}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>

      <section className="panel" aria-labelledby="hall-messages">
        <h2 id="hall-messages">{t('hall.messages')}</h2>
        {hall.messages.length === 0 ? (
          <p className="muted">{t('hall.messages.empty')}</p>
        ) : (
          <ul className="hall-messages" data-testid="hall-messages">
            {hall.messages.map((m) => (
              <li key={m.id}>
                <span className="muted">{formatTime(m.at)}</span> {m.text}
              </li>
            ))}
          </ul>
        )}
      </section>

      <section className="panel" aria-labelledby="hall-objections">
        <h2 id="hall-objections">{t('hall.objections')}</h2>
        {hall.objections.length === 0 ? (
          <p className="muted">{t('hall.objections.empty')}</p>
        ) : (
          <ul data-testid="hall-objections">
            {hall.objections.map((o) => (
              <li key={o.id}>
                <strong>{nameOf.get(o.organisationId) ?? ''}</strong> {o.text}
                <div className="muted">{o.answer ? t('hall.objection.answer', { answer: o.answer }) : t('hall.objection.unanswered')}</div>
              </li>
            ))}
          </ul>
        )}
      </section>

      {hall.me.role === 'host' ? <HostControls hall={hall} onDone={refresh} /> : null}
      {hall.me.organisationId ? <BidderPanel hall={hall} onDone={refresh} /> : null}
      {hall.me.organisationId || hall.me.role === 'supervisor' ? <OpenedBids sectionId={sectionId} opened={hall.bidders.filter((b) => b.state === 'decrypted' || b.state === 'recovered').length} /> : null}
      {hall.me.organisationId && hall.hall.state === 'confirming' ? <ObjectionForm sectionId={sectionId} onDone={refresh} /> : null}
    </div>
  );
}

/** What the host (centre staff of the section's centre) does in the hall; the API checks the permission again. */
function HostControls({ hall, onDone }: { hall: Hall; onDone: () => Promise<void> }) {
  const i18n = useI18n();
  const { t } = i18n;
  const [minutes, setMinutes] = useState(hall.hall.windowMinutes ?? 30);
  const [reason, setReason] = useState('');
  const [message, setMessage] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const sectionId = hall.section.id;
  const run = async (action: () => Promise<unknown>) => {
    setBusy(true);
    setError(null);
    try {
      await action();
      await onDone();
    } catch (e) {
      setError(describeError(e, i18n));
    } finally {
      setBusy(false);
    }
  };
  const api = browserApi().hall;

  return (
    <section className="panel" aria-labelledby="hall-host" data-testid="hall-host">
      <h2 id="hall-host">{t('hall.host')}</h2>
      {error ? (
        <p className="alert alert-error" role="alert" data-testid="hall-host-error">
          {error}
        </p>
      ) : null}
      {hall.hall.state === 'open' ? (
        <div className="form-row">
          <label>
            {t('hall.host.minutes')}
            <input type="number" min={5} max={240} value={minutes} onChange={(e) => setMinutes(Number(e.target.value))} data-testid="hall-minutes" />
          </label>
          <button type="button" disabled={busy} onClick={() => void run(() => api.startDecryption.mutate({ sectionId, minutes }))} data-testid="hall-start">
            {t('hall.host.start')}
          </button>
        </div>
      ) : null}
      {hall.hall.state !== 'closed' ? (
        <div className="form-row">
          <label>
            {t('hall.host.reason')}
            <input value={reason} onChange={(e) => setReason(e.target.value)} data-testid="hall-reason" />
          </label>
          {hall.hall.paused ? (
            <button type="button" disabled={busy} onClick={() => void run(() => api.resume.mutate({ sectionId, reason }))} data-testid="hall-resume">
              {t('hall.host.resume')}
            </button>
          ) : (
            <button type="button" disabled={busy} onClick={() => void run(() => api.pause.mutate({ sectionId, reason }))} data-testid="hall-pause">
              {t('hall.host.pause')}
            </button>
          )}
        </div>
      ) : null}
      <div className="form-row">
        <label>
          {t('hall.host.message')}
          <input value={message} onChange={(e) => setMessage(e.target.value)} data-testid="hall-message-text" />
        </label>
        <button type="button" disabled={busy || !message.trim()} onClick={() => void run(async () => (await api.message.mutate({ sectionId, text: message }), setMessage('')))} data-testid="hall-message-send">
          {t('hall.host.send')}
        </button>
      </div>
      {hall.hall.state === 'reading' ? (
        <button type="button" disabled={busy} onClick={() => void run(() => api.openConfirmation.mutate({ sectionId, minutes }))} data-testid="hall-open-confirmation">
          {t('hall.host.openConfirmation')}
        </button>
      ) : null}
      {hall.hall.state === 'confirming' ? (
        <button type="button" disabled={busy} onClick={() => void run(() => api.close.mutate({ sectionId }))} data-testid="hall-close">
          {t('hall.host.close')}
        </button>
      ) : null}
      {hall.objections
        .filter((o) => !o.answer)
        .map((o) => (
          <AnswerForm key={o.id} text={o.text} busy={busy} onAnswer={(answer) => run(() => api.answer.mutate({ sectionId, objectionId: o.id, answer }))} />
        ))}
      {hall.undecided.length > 0 ? (
        <div data-testid="hall-undecided">
          <h3>{t('hall.host.decide')}</h3>
          {hall.undecided.map((organisationId) => (
            <div className="form-row" key={organisationId}>
              <span>{hall.bidders.find((b) => b.organisationId === organisationId)?.name}</span>
              <button type="button" disabled={busy} onClick={() => void run(() => api.decide.mutate({ sectionId, organisationId, outcome: 'revoked', reason }))}>
                {t('hall.host.revoke')}
              </button>
              <button type="button" disabled={busy} onClick={() => void run(() => api.decide.mutate({ sectionId, organisationId, outcome: 'withdrawn', reason }))}>
                {t('hall.host.withdraw')}
              </button>
            </div>
          ))}
        </div>
      ) : null}
    </section>
  );
}

function AnswerForm({ text, busy, onAnswer }: { text: string; busy: boolean; onAnswer: (answer: string) => Promise<void> }) {
  const { t } = useI18n();
  const [answer, setAnswer] = useState('');
  return (
    <div className="form-row" data-testid="hall-answer-form">
      <label>
        {t('hall.host.answer', { text })}
        <input value={answer} onChange={(e) => setAnswer(e.target.value)} data-testid="hall-answer-text" />
      </label>
      <button type="button" disabled={busy || answer.trim().length < 2} onClick={() => void onAnswer(answer)} data-testid="hall-answer-send">
        {t('hall.host.send')}
      </button>
    </div>
  );
}

/** A bidder's objection to the record while it is open for confirmation (the signed confirmation is in BidderPanel). */
function ObjectionForm({ sectionId, onDone }: { sectionId: string; onDone: () => Promise<void> }) {
  const i18n = useI18n();
  const { t } = i18n;
  const [text, setText] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const submit = async () => {
    setBusy(true);
    setError(null);
    try {
      await browserApi().hall.object.mutate({ sectionId, text });
      setText('');
      await onDone();
    } catch (e) {
      setError(describeError(e, i18n));
    } finally {
      setBusy(false);
    }
  };
  return (
    <section className="panel" aria-labelledby="hall-object" data-testid="hall-object">
      <h2 id="hall-object">{t('hall.object')}</h2>
      {error ? (
        <p className="alert alert-error" role="alert">
          {error}
        </p>
      ) : null}
      <textarea value={text} onChange={(e) => setText(e.target.value)} rows={3} data-testid="hall-object-text" />
      <button type="button" disabled={busy || text.trim().length < 5} onClick={() => void submit()} data-testid="hall-object-send">
        {t('hall.object.send')}
      </button>
    </section>
  );
}

export function ErrorBoundary({ error }: Route.ErrorBoundaryProps) {
  const { t } = useI18n();
  if (isRouteErrorResponse(error) && error.status === 404)
    return (
      <div className="hall" data-testid="hall-missing">
        <h1>{t('hall.title')}</h1>
        <p className="muted">{t('hall.notFound')}</p>
      </div>
    );
  if (isRouteErrorResponse(error) && error.status === 503) return <ErrorPage kind="unavailable" />;
  return <ErrorPage kind="generic" />;
}
