import { useEffect, useState } from 'react';
import { Link } from 'react-router';
import { useI18n } from '../i18n/i18n';
import { browserApi } from '../lib/api.browser';
import { formatTime } from '../lib/time';

export interface TraceHead {
  size: number;
  pending: number;
  root: string | null;
  signedAt: string | null;
}

type Connection = 'connecting' | 'live' | 'offline';

/**
 * 全过程留痕 on the portal: the size of the signed log, live. The first figures come with the
 * page; after that the `log.watch` subscription (SSE through this origin) pushes every new
 * checkpoint, so the numbers move without a reload.
 */
export function TracePanel({ initial }: { initial: TraceHead | null }) {
  const { t } = useI18n();
  const [head, setHead] = useState<TraceHead | null>(initial);
  const [connection, setConnection] = useState<Connection>('connecting');

  useEffect(() => {
    const subscription = browserApi().log.watch.subscribe(undefined, {
      onStarted: () => setConnection('live'),
      onData: (update) => {
        setConnection('live');
        setHead({ size: update.size, pending: update.pending, root: update.root, signedAt: update.signedAt });
      },
      onConnectionStateChange: (state) => {
        if (state.state === 'pending') setConnection('live');
        else if (state.state === 'connecting') setConnection(state.error ? 'offline' : 'connecting');
      },
      onError: () => setConnection('offline'),
    });
    return () => subscription.unsubscribe();
  }, []);

  return (
    <section className="panel trace-panel" aria-labelledby="trace-title" data-testid="trace-panel">
      <div className="panel-heading">
        <h2 id="trace-title">{t('trace.title')}</h2>
        <span className={`live-dot live-${connection}`} data-testid="trace-connection" data-state={connection}>
          {connection === 'live' ? t('trace.live') : connection === 'connecting' ? t('trace.connecting') : t('trace.offline')}
        </span>
      </div>
      <p className="muted">{t('trace.intro')}</p>
      <dl className="trace-figures">
        <div>
          <dt>{t('trace.size')}</dt>
          <dd className="figure" data-testid="trace-size">
            {head ? head.size : '—'}
          </dd>
        </div>
        <div>
          <dt>{t('trace.pending')}</dt>
          <dd className="figure" data-testid="trace-pending">
            {head ? head.pending : '—'}
          </dd>
        </div>
      </dl>
      <dl className="facts">
        <div>
          <dt>{t('trace.root')}</dt>
          <dd className="mono hash" data-testid="trace-root">
            {head?.root ?? t('trace.noCheckpoint')}
          </dd>
        </div>
        <div>
          <dt>{t('trace.signedAt')}</dt>
          <dd>{head?.signedAt ? formatTime(head.signedAt) : '—'}</dd>
        </div>
      </dl>
      <p>
        <Link to="/verify" data-testid="verify-link">
          {t('trace.verifyLink')} →
        </Link>
      </p>
    </section>
  );
}
