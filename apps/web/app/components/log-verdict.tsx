import { useCallback, useEffect, useRef, useState } from 'react';
import { useI18n, type Translator } from '../i18n/i18n';
import { describeError } from '../lib/errors';
import type { LogProblem, LogVerdict } from '../lib/log-verdict';

/** Wrong key first, then what this browser remembered being taken back, then the rest. */
const PRIORITY = ['wrong-key', 'fork', 'shrink', 'rollback', 'checkpoint-signature', 'checkpoint-conflict', 'root-mismatch', 'missing', 'altered', 'duplicate'];
const SHOWN = 6;

function shortHash(hex: string | null): string {
  return hex ? `${hex.slice(0, 16)}…` : '—';
}

export function problemText(problem: LogProblem, t: Translator['t']): string {
  const vars = { index: problem.index ?? '?', size: problem.size ?? '?' };
  switch (problem.kind) {
    case 'fork':
      return problem.index !== undefined ? t('logv.problem.fork', vars) : t('logv.problem.forkUnknown', vars);
    case 'shrink':
      return t('logv.problem.shrink', vars);
    case 'rollback':
      return t('logv.problem.rollback', vars);
    case 'wrong-key':
      return t('logv.problem.wrongKey');
    case 'checkpoint-signature':
      return t('logv.problem.signature');
    case 'checkpoint-conflict':
      return t('logv.problem.conflict');
    case 'missing':
      return t('logv.problem.missing', vars);
    case 'duplicate':
      return t('logv.problem.duplicate', vars);
    case 'altered':
      return problem.index !== undefined ? t('logv.problem.altered', vars) : t('logv.problem.other', { message: problem.message });
    case 'root-mismatch':
      return t('logv.problem.rootMismatch', { from: problem.range?.[0] ?? '?', to: problem.range?.[1] ?? '?' });
  }
}

export function sortedProblems(problems: readonly LogProblem[]): LogProblem[] {
  const rank = (p: LogProblem) => {
    const r = PRIORITY.indexOf(p.kind);
    return r < 0 ? PRIORITY.length : r;
  };
  return [...problems].sort((a, b) => rank(a) - rank(b));
}

/** Runs `check` once after hydration (and again on demand); `current()` waits for the running check. */
export function useLogVerdict(check: () => Promise<LogVerdict>) {
  const [verdict, setVerdict] = useState<LogVerdict | null>(null);
  const running = useRef<Promise<LogVerdict> | null>(null);
  const run = useCallback(() => {
    setVerdict(null);
    const promise = check();
    running.current = promise;
    void promise.then((v) => {
      if (running.current === promise) setVerdict(v);
    });
    return promise;
  }, [check]);
  useEffect(() => {
    void run();
  }, [run]);
  const current = useCallback(() => running.current ?? run(), [run]);
  return { verdict, recheck: run, current };
}

/** One verdict for the whole log, green or red, above any per-entry button. */
export function LogVerdictBanner({ verdict, onRecheck }: { verdict: LogVerdict | null; onRecheck: () => void }) {
  const i18n = useI18n();
  const { t } = i18n;
  if (!verdict) {
    return (
      <div className="verdict-box log-verdict" data-testid="log-verdict" data-state="running" role="status">
        <p className="verdict-line muted">{t('logv.running')}</p>
      </div>
    );
  }
  if (verdict.state === 'error') {
    return (
      <div className="verdict-box verdict-bad log-verdict" data-testid="log-verdict" data-state="error" role="status">
        <p className="verdict-line">{t('logv.error', { reason: describeError(verdict.error, i18n) })}</p>
        <button type="button" className="button button-small" onClick={onRecheck}>
          {t('logv.recheck')}
        </button>
      </div>
    );
  }
  const keyLine = (
    <p className="muted log-verdict-key">
      {t('logv.key', { source: verdict.keySource === 'build' ? t('logv.keySource.build') : t('logv.keySource.firstVisit') })}:{' '}
      <span className="mono hash" data-testid="pinned-key">
        {verdict.key}
      </span>
    </p>
  );
  if (verdict.state === 'intact') {
    return (
      <div className="verdict-box verdict-ok log-verdict" data-testid="log-verdict" data-state="intact" data-size={verdict.size} role="status">
        <p className="verdict-line" data-testid="log-verdict-line" title={verdict.root ?? ''}>
          {t('logv.intact', { size: verdict.size, root: shortHash(verdict.root) })}
        </p>
        <p className="muted">{verdict.firstVisit || !verdict.remembered ? t('logv.firstVisit') : t('logv.extends', { size: verdict.remembered.size })}</p>
        {keyLine}
      </div>
    );
  }
  const problems = sortedProblems(verdict.problems);
  const first = problems[0];
  return (
    <div
      className="verdict-box verdict-bad log-verdict"
      data-testid="log-verdict"
      data-state="broken"
      data-problem={first?.kind ?? ''}
      data-index={first?.index ?? ''}
      role="alert"
    >
      <p className="verdict-line">{t('logv.broken')}</p>
      <ul className="log-problems" data-testid="log-problems">
        {problems.slice(0, SHOWN).map((problem, i) => (
          <li key={i} data-kind={problem.kind} data-index={problem.index ?? ''}>
            {problemText(problem, t)}
          </li>
        ))}
        {problems.length > SHOWN ? <li>{t('logv.more', { count: problems.length - SHOWN })}</li> : null}
      </ul>
      {verdict.remembered ? <p className="muted">{t('logv.remembered', { size: verdict.remembered.size, root: shortHash(verdict.remembered.root) })}</p> : null}
      {keyLine}
      <button type="button" className="button button-small" onClick={onRecheck}>
        {t('logv.recheck')}
      </button>
    </div>
  );
}
