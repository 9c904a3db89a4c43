import { useEffect, useRef, useState } from 'react';
import { useSearchParams } from 'react-router';
import type { Route } from './+types/verify';
import { LogVerdictBanner, useLogVerdict } from '../components/log-verdict';
import { useFailureText } from '../components/verdict';
import { useI18n } from '../i18n/i18n';
import { serverApi } from '../lib/api.server';
import { formatTime } from '../lib/time';
import { checkLatestCheckpoint } from '../lib/log-verdict';
import { verifyEntry, type Verdict } from '../lib/verify-entry';

const LEAF_HASH = /^[0-9a-fA-F]{64}$/;

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
  const [params] = useSearchParams();
  const [index, setIndex] = useState(params.get('index') ?? '');
  const [leaf, setLeaf] = useState(params.get('leaf') ?? '');
  const [result, setResult] = useState<{ index: number; verdict: Verdict } | 'running' | null>(null);
  // The whole log against the checkpoint this browser remembers: an entry is only ✓ under it.
  const log = useLogVerdict(checkLatestCheckpoint);

  async function check(indexText: string, leafText: string) {
    const n = Number(indexText);
    if (indexText.trim() === '' || !Number.isSafeInteger(n) || n < 0) return;
    const leafHash = leafText.trim();
    if (leafHash !== '' && !LEAF_HASH.test(leafHash)) return;
    setResult('running');
    const overall = await log.current();
    setResult({ index: n, verdict: await verifyEntry(overall, n, leafHash ? { leafHash } : {}) });
  }

  function onSubmit(event: React.FormEvent<HTMLFormElement>) {
    event.preventDefault();
    void check(index, leaf);
  }

  // A receipt's link (/verify?index=…&leaf=…) checks at once.
  const autoRan = useRef(false);
  useEffect(() => {
    if (autoRan.current || !params.get('index')) return;
    autoRan.current = true;
    void check(params.get('index') ?? '', params.get('leaf') ?? '');
  }, []);

  return (
    <div className="narrow">
      <h1>{t('verify.title')}</h1>
      <p>{t('verify.intro')}</p>
      <section className="panel">
        <h2>{t('logv.title')}</h2>
        <LogVerdictBanner
          verdict={log.verdict}
          onRecheck={() => {
            setResult(null);
            void log.recheck();
          }}
        />
      </section>
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
              step={1}
              required
              value={index}
              onChange={(e) => setIndex(e.target.value)}
            />
          </label>
          <label>
            {t('verify.leaf')}
            <input
              name="leaf"
              className="mono"
              pattern="[0-9a-fA-F]{64}"
              maxLength={64}
              spellCheck={false}
              autoComplete="off"
              value={leaf}
              onChange={(e) => setLeaf(e.target.value)}
            />
          </label>
          <button type="submit" className="button" disabled={result === 'running'}>
            {result === 'running' ? t('verify.running') : t('verify.submit')}
          </button>
        </form>
        <p className="muted">{t('verify.leafHint')}</p>
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
                  <dd className="mono hash" data-testid="leaf-hash">
                    {result.verdict.leafHash}
                  </dd>
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
