import { FieldError, hasError } from '../field-error';
import { useI18n } from '../../i18n/i18n';
import type { ScheduleErrors, ScheduleValues } from '../../lib/bid/schedule';

/** 开标一览表: price in yuan, duration, quality, bond or guarantee reference. */
export function ScheduleFields({ values, errors, onChange, disabled }: { values: ScheduleValues; errors: ScheduleErrors; onChange: (values: ScheduleValues) => void; disabled: boolean }) {
  const { t } = useI18n();
  const field = (name: keyof ScheduleValues, label: string, props: React.InputHTMLAttributes<HTMLInputElement> = {}) => (
    <label>
      {label}
      <input
        name={name}
        value={values[name]}
        disabled={disabled}
        required
        aria-invalid={hasError(errors, `schedule.${name}`) ? true : undefined}
        onChange={(e) => onChange({ ...values, [name]: e.target.value })}
        {...props}
      />
      <FieldError errors={errors} field={`schedule.${name}`} />
    </label>
  );
  return (
    <div className="schedule-grid" data-testid="schedule-fields">
      {field('price', t('bid.price'), { inputMode: 'decimal', autoComplete: 'off', placeholder: '12,345,678.90' })}
      {field('durationDays', t('bid.duration'), { inputMode: 'numeric', autoComplete: 'off' })}
      {field('quality', t('bid.quality'), { placeholder: t('bid.qualityPlaceholder') })}
      {field('bondReference', t('bid.bond'), { autoComplete: 'off' })}
    </div>
  );
}
