import type { Receipt } from '@ggzy/api';
import { useI18n } from '../../i18n/i18n';
import { formatBytes } from '../../lib/money';
import { saveFile } from '../../lib/save-file';
import { formatTime } from '../../lib/time';

export function receiptFilename(receipt: Receipt): string {
  return `receipt-${receipt.body.sectionCode}-${receipt.body.kind}-${receipt.body.submissionId}.json`;
}

/** Saves the receipt exactly as signed: the JSON `ggzy verify-receipt` checks. */
export function downloadReceipt(receipt: Receipt): void {
  saveFile(`${JSON.stringify(receipt, null, 2)}\n`, receiptFilename(receipt), 'application/json');
}

/** Prints one receipt (styles.css shows only `.print-target` on paper), whatever else is on the page. */
function printOnly(element: Element | null): void {
  if (!element) return;
  element.classList.add('print-target');
  window.addEventListener('afterprint', () => element.classList.remove('print-target'), { once: true });
  window.print();
}

/**
 * 回执: what the platform attests, laid out to be read and printed on its own.
 */
export function ReceiptView({ receipt, sectionName }: { receipt: Receipt; sectionName: string }) {
  const { t } = useI18n();
  const { body } = receipt;
  return (
    <article className="receipt" aria-labelledby={`receipt-${body.submissionId}`} data-testid="receipt" data-kind={body.kind} data-submission-id={body.submissionId}>
      <h3 id={`receipt-${body.submissionId}`}>{body.kind === 'submit' ? t('receipt.title') : t('receipt.titleWithdraw')}</h3>
      <dl className="facts receipt-facts">
        <div>
          <dt>{t('receipt.section')}</dt>
          <dd>
            {sectionName} <span className="mono">{body.sectionCode}</span>
          </dd>
        </div>
        <div>
          <dt>{t('receipt.company')}</dt>
          <dd data-testid="receipt-company">{body.organisationName}</dd>
        </div>
        {body.ciphertextSha256 ? (
          <div>
            <dt>{t('receipt.digest')}</dt>
            <dd className="mono hash" data-testid="receipt-digest">
              {body.ciphertextSha256}
            </dd>
          </div>
        ) : null}
        {body.envelopeBytes !== null ? (
          <div>
            <dt>{t('receipt.size')}</dt>
            <dd>
              {formatBytes(body.envelopeBytes)} <span className="muted small">({body.envelopeBytes.toLocaleString('en-US')} B)</span>
            </dd>
          </div>
        ) : null}
        <div>
          <dt>{t('receipt.receivedAt')}</dt>
          <dd className="mono" data-testid="receipt-received-at">
            <time dateTime={body.receivedAt}>{formatTime(body.receivedAt)}</time>
          </dd>
        </div>
        <div>
          <dt>{t('receipt.traceIndex')}</dt>
          <dd className="mono" data-testid="receipt-trace-index">
            {body.traceIndex} <span className="muted small">({body.logOrigin})</span>
          </dd>
        </div>
        <div>
          <dt>{t('receipt.submissionId')}</dt>
          <dd className="mono small">{body.submissionId}</dd>
        </div>
        <div>
          <dt>{t('receipt.signature')}</dt>
          <dd className="mono hash small">{receipt.signature}</dd>
        </div>
        <div>
          <dt>{t('receipt.keyId')}</dt>
          <dd className="mono hash small">{receipt.keyId}</dd>
        </div>
      </dl>
      <p className="form-actions no-print">
        <button type="button" className="button button-secondary" onClick={() => downloadReceipt(receipt)} data-testid="receipt-download">
          {t('receipt.download')}
        </button>
        <button type="button" className="button button-secondary" onClick={(event) => printOnly(event.currentTarget.closest('.receipt'))}>
          {t('receipt.print')}
        </button>
      </p>
      <p className="muted small">{t('receipt.verifyHint')}</p>
    </article>
  );
}
