import { useI18n } from '../../i18n/i18n';
import { formatBytes } from '../../lib/money';

export interface Transfer {
  done: number;
  total: number;
  /** When this run started and how much was already done then (a resumed upload), for the rate. */
  startedAt: number;
  startDone: number;
  at: number;
}

export function startTransfer(total: number, done = 0): Transfer {
  const now = performance.now();
  return { done, total, startedAt: now, startDone: done, at: now };
}

export function advance(transfer: Transfer, done: number, total = transfer.total): Transfer {
  return { ...transfer, done, total, at: performance.now() };
}

/** A labelled progress bar with percentage, amounts and speed (what this run moved per second). */
export function TransferProgress({ transfer, label, testId }: { transfer: Transfer; label: string; testId: string }) {
  const { t } = useI18n();
  const fraction = transfer.total > 0 ? Math.min(1, transfer.done / transfer.total) : 0;
  const seconds = (transfer.at - transfer.startedAt) / 1000;
  const rate = seconds > 0.05 ? (transfer.done - transfer.startDone) / seconds : 0;
  const percent = Math.floor(fraction * 100);
  return (
    <div className="transfer" data-testid={testId}>
      <progress max={1} value={fraction} aria-label={label} aria-valuetext={`${percent}%`} data-testid={`${testId}-bar`} />
      <span className="muted small nowrap" aria-live="off" data-testid={`${testId}-text`}>
        {t('bid.speed', { percent, done: formatBytes(transfer.done), total: formatBytes(transfer.total), rate: formatBytes(Math.max(0, Math.round(rate))) })}
      </span>
    </div>
  );
}
