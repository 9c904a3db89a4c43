import { useI18n } from '../i18n/i18n';
import { messagesFor, type FieldErrors } from '../lib/errors';

/** The API's messages about one field, shown right under it. */
export function FieldError({ errors, field }: { errors: FieldErrors; field: string }) {
  const i18n = useI18n();
  const messages = messagesFor(errors, field);
  if (messages.length === 0) return null;
  return (
    <span className="field-error" role="alert" data-testid={`field-error-${field}`}>
      {messages.map((m) => i18n.pick(m)).join('；')}
    </span>
  );
}

/** Whether a field has a message (to mark its input). */
export function hasError(errors: FieldErrors, field: string): boolean {
  return messagesFor(errors, field).length > 0;
}
