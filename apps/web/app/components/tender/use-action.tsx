import { useState } from 'react';
import { useRevalidator } from 'react-router';
import { useI18n } from '../../i18n/i18n';
import { describeError } from '../../lib/errors';
import type { ServerApi } from '../../lib/api.server';

export type OwnSectionDetail = Awaited<ReturnType<ServerApi['tender']['get']['query']>>;

export type ActionNotice = { kind: 'ok' | 'warning' | 'error'; text: string } | null;

/**
 * One mutation from a panel: runs it, shows what came of it (the API's message on failure), and
 * reloads the page's data so every panel shows the new state.
 */
export function useAction() {
  const i18n = useI18n();
  const revalidator = useRevalidator();
  const [busy, setBusy] = useState(false);
  const [notice, setNotice] = useState<ActionNotice>(null);

  async function run<T>(action: () => Promise<T>, done: (result: T) => ActionNotice): Promise<boolean> {
    setBusy(true);
    setNotice(null);
    try {
      const result = await action();
      await revalidator.revalidate();
      setNotice(done(result));
      return true;
    } catch (error) {
      setNotice({ kind: 'error', text: describeError(error, i18n) });
      return false;
    } finally {
      setBusy(false);
    }
  }

  return { busy, notice, setNotice, run };
}

export function NoticeLine({ notice, testId }: { notice: ActionNotice; testId: string }) {
  if (!notice) return null;
  return (
    <p className={`alert alert-${notice.kind === 'ok' ? 'ok' : notice.kind === 'warning' ? 'warning' : 'error'}`} role={notice.kind === 'error' ? 'alert' : 'status'} data-testid={testId}>
      {notice.text}
    </p>
  );
}
