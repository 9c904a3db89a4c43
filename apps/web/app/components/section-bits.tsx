import { SCORING_METHOD_LABELS, SECTION_STATE_LABELS, TENDER_METHOD_LABELS, TRANSACTION_TYPE_LABELS, type ScoringMethod, type SectionState, type TenderMethod, type TransactionType } from '@ggzy/domain';
import { useI18n, type MessageKey } from '../i18n/i18n';
import { formatTime } from '../lib/time';

/** A section's state as a coloured badge. */
export function StateBadge({ state }: { state: SectionState }) {
  const i18n = useI18n();
  return (
    <span className={`status state-${state}`} data-testid="section-state" data-state={state}>
      {i18n.pick(SECTION_STATE_LABELS[state])}
    </span>
  );
}

/** 实施条例 art. 22: bidding on the section is suspended while an objection is open. */
export function SuspendedBadge({ suspended }: { suspended: boolean | undefined }) {
  const { t } = useI18n();
  if (!suspended) return null;
  return (
    <span className="status state-suspended" data-testid="suspended">
      {t('suspended.badge')}
    </span>
  );
}

/** The suspension spelled out: what is held, the article, when the answer is due. */
export function SuspensionNotice({ suspension, now }: { suspension: { since: string; answerDue: string } | null | undefined; now: string }) {
  const { t } = useI18n();
  if (!suspension) return null;
  return (
    <div className="alert alert-warning" role="status" data-testid="suspension">
      <strong>{t('suspended.badge')}</strong>
      <p>
        {t('suspended.detail')}
        <Time iso={suspension.answerDue} />
      </p>
      {suspension.answerDue < now ? <p>{t('suspended.late')}</p> : null}
    </div>
  );
}

export function useLabels() {
  const i18n = useI18n();
  return {
    type: (type: TransactionType) => i18n.pick(TRANSACTION_TYPE_LABELS[type]),
    method: (method: TenderMethod) => i18n.pick(TENDER_METHOD_LABELS[method]),
    state: (state: SectionState) => i18n.pick(SECTION_STATE_LABELS[state]),
    scoring: (kind: ScoringMethod['kind']) => i18n.pick(SCORING_METHOD_LABELS[kind]),
  };
}

/** What the section's amount is called: a budget in procurement, a starting price when listed or auctioned. */
export function priceLabelKey(type: TransactionType, method: TenderMethod): MessageKey {
  if (method === 'listing' || method === 'auction') return 'detail.startingPrice';
  return type === 'procurement' ? 'detail.budget' : 'detail.estimatedPrice';
}

/** A time in Beijing time, machine-readable too. */
export function Time({ iso, testId }: { iso: string | null; testId?: string }) {
  if (!iso) return <span className="muted">—</span>;
  return (
    <time dateTime={iso} className="nowrap" data-testid={testId}>
      {formatTime(iso)}
    </time>
  );
}

/** What a scoring method is, in a few lines: its criteria with points, and its price formula. */
export function ScoringSummary({ method }: { method: Record<string, unknown> }) {
  const i18n = useI18n();
  const { t } = i18n;
  const labels = useLabels();
  const scoring = method as unknown as ScoringMethod;
  if (!scoring || !(scoring.kind in SCORING_METHOD_LABELS)) return <span className="muted">—</span>;
  return (
    <div className="scoring-summary" data-testid="scoring-summary">
      <strong>{labels.scoring(scoring.kind)}</strong>
      <ul>
        {scoring.criteria.map((c) => (
          <li key={c.key}>
            {c.name}
            {scoring.kind === 'lowestEvaluatedPrice' ? '' : ` ${t('scoring.points', { points: c.maxPoints })}`}{' '}
            <span className="muted">({t(`scoring.category.${c.category}` satisfies MessageKey)})</span>
          </li>
        ))}
      </ul>
      {scoring.kind === 'comprehensive' ? (
        <p className="muted">
          {t('scoring.benchmark', {
            drop: scoring.price.dropHighestAndLowest ? t('scoring.benchmark.drop') : '',
            above: scoring.price.deductionPerPercentAbove,
            below: scoring.price.deductionPerPercentBelow,
          })}
        </p>
      ) : scoring.kind === 'procurementLowPrice' ? (
        <p className="muted">{t('scoring.lowPrice', { weight: scoring.priceWeight * 100 })}</p>
      ) : (
        <p className="muted">{t('scoring.lowest')}</p>
      )}
    </div>
  );
}

export interface TimelineEntry {
  key: string;
  at: string | null;
  title?: string | undefined;
}

/** The label of a portal timeline entry (see packages/api/src/tender/portal.ts for the keys). */
export function useTimelineLabel() {
  const i18n = useI18n();
  const { t } = i18n;
  return (entry: TimelineEntry): string => {
    if (entry.key.startsWith('state:')) {
      const state = entry.key.slice(6) as SectionState;
      return t('timeline.state', { state: state in SECTION_STATE_LABELS ? i18n.pick(SECTION_STATE_LABELS[state]) : state });
    }
    switch (entry.key) {
      case 'published':
        return t('timeline.published');
      case 'documentsFrom':
        return t('timeline.documentsFrom');
      case 'documentsUntil':
        return t('timeline.documentsUntil');
      case 'deadline':
        return t('timeline.deadline');
      case 'notice:clarification':
        return t('timeline.clarification', { title: entry.title ?? '' });
      case 'notice:amendment':
        return t('timeline.amendment', { title: entry.title ?? '' });
      case 'notice:objectionAnswer':
        return t('timeline.objectionAnswer');
      default:
        return entry.title ?? entry.key;
    }
  };
}

/** The section's life so far and what is scheduled, oldest first; the moment now falls between is marked. */
export function Timeline({ entries, now }: { entries: TimelineEntry[]; now: string }) {
  const { t } = useI18n();
  const label = useTimelineLabel();
  return (
    <ol className="timeline" data-testid="timeline">
      {entries.map((entry, i) => {
        const past = entry.at !== null && entry.at <= now;
        return (
          <li key={`${entry.key}-${i}`} className={past ? 'past' : 'future'} data-testid="timeline-entry" data-key={entry.key}>
            <Time iso={entry.at} />
            <span className="timeline-label">{label(entry)}</span>
            {past ? null : <span className="badge badge-pending">{t('timeline.scheduled')}</span>}
          </li>
        );
      })}
    </ol>
  );
}
