import { useEffect, useState } from 'react';
import { useI18n } from '../../i18n/i18n';
import { remaining, useServerClock } from '../../lib/bid/clock';
import { formatTime } from '../../lib/time';

/**
 * The deadline and a live countdown on the platform's clock. Rendered after hydration only (the
 * server's render and the browser's would otherwise disagree by the seconds in between). It turns
 * amber in the last hour and red in the last ten minutes, and screen readers hear it only when asked.
 */
export function DeadlineClock({ deadline }: { deadline: string }) {
  const { t } = useI18n();
  const clock = useServerClock();
  const [mounted, setMounted] = useState(false);
  useEffect(() => setMounted(true), []);
  const until = Date.parse(deadline);
  const left = mounted ? remaining(until, clock.now) : null;
  const urgency = !left ? 'passed' : left.totalMs < 10 * 60_000 ? 'critical' : left.totalMs < 3_600_000 ? 'soon' : 'calm';
  return (
    <div className={`deadline-clock deadline-${mounted ? urgency : 'calm'}`} data-testid="deadline-clock" data-urgency={mounted ? urgency : undefined}>
      <div>
        <span className="muted small">{t('bid.deadline')}</span>
        <strong className="mono">
          <time dateTime={deadline}>{formatTime(deadline)}</time>
        </strong>
      </div>
      <div role="timer" aria-live="off" aria-atomic="true">
        <span className="muted small">{t('bid.countdown')}</span>
        <strong className="mono countdown" data-testid="countdown">
          {!mounted ? '…' : left ? (left.days > 0 ? t('bid.countdownDays', { days: left.days, time: left.clock }) : left.clock) : t('bid.countdownPassed')}
        </strong>
      </div>
      <p className="muted small clock-note">
        {clock.offset === null ? t('bid.clockLocal') : t('bid.clockServer', { offset: (clock.offset / 1000).toFixed(1) })}
      </p>
    </div>
  );
}
