import { useState } from 'react';
import type { Route } from './+types/verify';
import { useFailureText } from '../components/verdict';
import { useI18n } from '../i18n/i18n';
import { serverApi } from '../lib/api.server';
import { formatTime } from '../lib/time';
import { verifyEntry, type Verdict } from '../lib/verify-entry';

export async function loader({ request, context }: Route.LoaderArgs) {
  try {
    const status = await serverApi(request, context).log.status.query();
    return { status };
  } catch {
    throw new Response(null, { status: 503 });
  }
}

export default function VerifyPage({ loaderData }: Route.ComponentProps) {
  const { t } = useI18n();
  const failureText = useFailureText();
  const { status } = loaderData;
  const [index, setIndex] = useState('');
  const [result, setResult] = useState<{ index: number; verdict: Verdict } | 'running' | null>(null);

  async function onSubmit(event: React.FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const n = Number(index);
    if (!Number.isSafeInteger(n) || n < 0) return;
    setResult('running');
    setResult({ index: n, verdict: await verifyEntry(n) });
  }

  return (
    <div className="narrow">
      <h1>{t('verify.title')}</h1>
      <p>{t('verify.intro')}</p>
      <section className="panel">
        <h2>{t('verify.checkpoint')}</h2>
        {status.checkpoint ? (
          <>
            <pre className="note" data-testid="checkpoint-note">
              {status.checkpoint.note}
            </pre>
            <p className="muted">
              {t('trace.signedAt')}: {formatTime(status.checkpoint.signedAt)}
            </p>
          </>
        ) : (
          <p>{t('verify.noCheckpoint')}</p>
        )}
        <h2>{t('verify.key')}</h2>
        <pre className="note" data-testid="verifier-key">
          {status.verifierKey}
        </pre>
        <p className="muted">{t('verify.keyHint')}</p>
      </section>
      <section className="panel">
        <h2>{t('verify.form')}</h2>
        <form onSubmit={onSubmit} className="inline-form" data-testid="verify-form">
          <label>
            {t('verify.index')}
            <input
              type="number"
              name="index"
              min={0}
              max={status.checkpoint ? Math.max(status.checkpoint.size - 1, 0) : undefined}
              step={1}
              required
              value={index}
              onChange={(e) => setIndex(e.target.value)}
            />
          </label>
          <button type="submit" className="button" disabled={result === 'running'}>
            {result === 'running' ? t('verify.running') : t('verify.submit')}
          </button>
        </form>
        {result && result !== 'running' ? (
          <div className={`verdict-box ${result.verdict.ok ? 'verdict-ok' : 'verdict-bad'}`} data-testid="verdict" role="status">
            <p className="verdict-line">
              {result.verdict.ok
                ? t('verify.ok', { index: result.index, size: result.verdict.size })
                : t('verify.fail', { reason: failureText(result.verdict) })}
            </p>
            {result.verdict.leafHash ? (
              <dl className="facts">
                <div>
                  <dt>{t('verify.leafHash')}</dt>
                  <dd className="mono hash">{result.verdict.leafHash}</dd>
                </div>
                <div>
                  <dt>{t('verify.proofLength')}</dt>
                  <dd>{result.verdict.proofLength}</dd>
                </div>
              </dl>
            ) : null}
          </div>
        ) : null}
      </section>
    </div>
  );
}
