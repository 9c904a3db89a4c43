import { SCORING_METHOD_LABELS, SCORING_TEMPLATES, type ScoringMethod } from '@ggzy/domain';
import { useI18n, type MessageKey } from '../../i18n/i18n';

type Kind = ScoringMethod['kind'];
type Category = 'technical' | 'commercial' | 'price';
const KINDS = Object.keys(SCORING_METHOD_LABELS) as Kind[];

interface CriterionDraft {
  key: string;
  name: string;
  category: Category;
  maxPoints: string;
}

/** A scoring method as the form holds it: numbers as typed, converted only when sent. */
export interface ScoringDraft {
  kind: Kind;
  criteria: CriterionDraft[];
  dropHighestAndLowest: boolean;
  deductionAbove: string;
  deductionBelow: string;
  priceWeight: string;
}

export function scoringDraftOf(method: ScoringMethod): ScoringDraft {
  // The price rule's fields keep the comprehensive template's values while another kind is chosen.
  const template = SCORING_TEMPLATES.comprehensive;
  const comprehensive = method.kind === 'comprehensive' ? method.price : template.kind === 'comprehensive' ? template.price : null;
  return {
    kind: method.kind,
    criteria: method.criteria.map((c) => ({ key: c.key, name: c.name, category: c.category, maxPoints: String(c.maxPoints) })),
    dropHighestAndLowest: comprehensive?.dropHighestAndLowest ?? true,
    deductionAbove: String(comprehensive?.deductionPerPercentAbove ?? 1),
    deductionBelow: String(comprehensive?.deductionPerPercentBelow ?? 0.5),
    priceWeight: String(method.kind === 'procurementLowPrice' ? method.priceWeight : 0.3),
  };
}

/** The scoring method to send; the API checks it (totals, keys, weight) and says what is wrong. */
export function scoringMethodOf(draft: ScoringDraft): ScoringMethod {
  const criteria = draft.criteria.map((c) => ({ key: c.key.trim(), name: c.name.trim(), category: c.category, maxPoints: Number(c.maxPoints) }));
  switch (draft.kind) {
    case 'comprehensive':
      return {
        kind: 'comprehensive',
        criteria,
        price: { formula: 'benchmark', dropHighestAndLowest: draft.dropHighestAndLowest, deductionPerPercentAbove: Number(draft.deductionAbove), deductionPerPercentBelow: Number(draft.deductionBelow) },
      };
    case 'lowestEvaluatedPrice':
      return { kind: 'lowestEvaluatedPrice', criteria: criteria as Array<(typeof criteria)[number] & { category: 'technical' | 'commercial' }> };
    case 'procurementLowPrice':
      return { kind: 'procurementLowPrice', criteria, priceWeight: Number(draft.priceWeight) };
  }
}

/** 评标办法: a template to start from, its criteria editable (name, category, points), and its price rule. */
export function ScoringEditor({ value, onChange }: { value: ScoringDraft; onChange: (next: ScoringDraft) => void }) {
  const i18n = useI18n();
  const { t } = i18n;
  const categories: Category[] = value.kind === 'lowestEvaluatedPrice' ? ['technical', 'commercial'] : ['technical', 'commercial', 'price'];
  const total = value.criteria.reduce((sum, c) => sum + (Number(c.maxPoints) || 0), 0);
  const setCriterion = (i: number, patch: Partial<CriterionDraft>) => onChange({ ...value, criteria: value.criteria.map((c, j) => (j === i ? { ...c, ...patch } : c)) });
  const nextKey = () => {
    for (let n = value.criteria.length + 1; ; n++) if (!value.criteria.some((c) => c.key === `item${n}`)) return `item${n}`;
  };

  return (
    <div className="scoring-editor" data-testid="scoring-editor">
      <label>
        {t('form.scoringKind')}
        <select
          name="scoringKind"
          value={value.kind}
          onChange={(e) => onChange(scoringDraftOf(structuredClone(SCORING_TEMPLATES[e.target.value as Kind])))}
        >
          {KINDS.map((kind) => (
            <option key={kind} value={kind}>
              {i18n.pick(SCORING_METHOD_LABELS[kind])}
            </option>
          ))}
        </select>
      </label>
      <table className="data-table criteria-table">
        <thead>
          <tr>
            <th>{t('form.criterionKey')}</th>
            <th>{t('form.criterionName')}</th>
            <th>{t('form.criterionCategory')}</th>
            <th>{value.kind === 'lowestEvaluatedPrice' ? t('form.criterionPass') : t('form.criterionPoints')}</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {value.criteria.map((c, i) => (
            <tr key={i}>
              <td>
                <input aria-label={t('form.criterionKey')} value={c.key} onChange={(e) => setCriterion(i, { key: e.target.value })} className="mono narrow-input" maxLength={40} />
              </td>
              <td>
                <input aria-label={t('form.criterionName')} value={c.name} onChange={(e) => setCriterion(i, { name: e.target.value })} maxLength={100} />
              </td>
              <td>
                <select aria-label={t('form.criterionCategory')} value={c.category} onChange={(e) => setCriterion(i, { category: e.target.value as Category })}>
                  {categories.map((category) => (
                    <option key={category} value={category}>
                      {t(`scoring.category.${category}` satisfies MessageKey)}
                    </option>
                  ))}
                </select>
              </td>
              <td>
                <input
                  aria-label={t('form.criterionPoints')}
                  type="number"
                  min="0"
                  max="100"
                  step="any"
                  value={c.maxPoints}
                  onChange={(e) => setCriterion(i, { maxPoints: e.target.value })}
                  className="narrow-input"
                />
              </td>
              <td>
                <button type="button" className="button button-small button-secondary" onClick={() => onChange({ ...value, criteria: value.criteria.filter((_, j) => j !== i) })}>
                  {t('form.remove')}
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <p className="scoring-total">
        <button
          type="button"
          className="button button-small button-secondary"
          onClick={() => onChange({ ...value, criteria: [...value.criteria, { key: nextKey(), name: '', category: 'technical', maxPoints: '10' }] })}
        >
          + {t('form.addCriterion')}
        </button>
        {value.kind === 'lowestEvaluatedPrice' ? null : (
          <span className={Math.abs(total - 100) < 1e-9 ? 'muted' : 'field-error'} data-testid="scoring-total">
            {t('form.scoringTotal', { total: Math.round(total * 100) / 100 })}
          </span>
        )}
      </p>
      {value.kind === 'comprehensive' ? (
        <div className="inline-form">
          <label className="checkbox">
            <input type="checkbox" checked={value.dropHighestAndLowest} onChange={(e) => onChange({ ...value, dropHighestAndLowest: e.target.checked })} />
            {t('form.dropHighestAndLowest')}
          </label>
          <label>
            {t('form.deductionAbove')}
            <input type="number" min="0" max="10" step="any" value={value.deductionAbove} onChange={(e) => onChange({ ...value, deductionAbove: e.target.value })} className="narrow-input" />
          </label>
          <label>
            {t('form.deductionBelow')}
            <input type="number" min="0" max="10" step="any" value={value.deductionBelow} onChange={(e) => onChange({ ...value, deductionBelow: e.target.value })} className="narrow-input" />
          </label>
        </div>
      ) : value.kind === 'procurementLowPrice' ? (
        <div className="inline-form">
          <label>
            {t('form.priceWeight')}
            <input type="number" min="0" max="1" step="0.01" value={value.priceWeight} onChange={(e) => onChange({ ...value, priceWeight: e.target.value })} className="narrow-input" />
          </label>
          <p className="muted small">{t('form.priceWeightHint')}</p>
        </div>
      ) : (
        <p className="muted small">{t('scoring.lowest')}</p>
      )}
    </div>
  );
}
