import { DataTable } from '@ggzy/ui';
import { useI18n } from '../i18n/i18n';
import { Time } from './section-bits';

/** A row of tender.bidders: names and status for the tenderer and the centre, times for the supervisor only. */
export interface BidderRow {
  organisationName: string;
  status: string;
  receivedAt?: string | null;
}

/**
 * 投标人递交情况 before the opening: who has a bid in and who withdrew, never what is in a bid.
 * `bidders` is null when the list could not be loaded (or the viewer may not see it).
 */
export function BiddersPanel({ bidders, withTimes }: { bidders: BidderRow[] | null; withTimes: boolean }) {
  const { t } = useI18n();
  const statusLabel = (status: string) => (status === 'submitted' ? t('bid.status.submitted') : status === 'withdrawn' ? t('bid.status.withdrawn') : status);
  return (
    <section className="panel" aria-labelledby="bidders-title" data-testid="bidders-panel">
      <h2 id="bidders-title">{t('bidders.title')}</h2>
      <p className="muted small">
        {t('bidders.intro')} {withTimes ? t('bidders.introSupervisor') : null}
      </p>
      {bidders === null ? (
        <p className="alert alert-warning">{t('bidders.unavailable')}</p>
      ) : (
        <DataTable
          testId="bidders"
          headers={withTimes ? [t('bidders.company'), t('bidders.status'), t('bidders.receivedAt')] : [t('bidders.company'), t('bidders.status')]}
          isEmpty={bidders.length === 0}
          empty={t('bidders.none')}
        >
          {bidders.map((b) => (
            <tr key={b.organisationName} data-testid="bidder-row" data-status={b.status}>
              <td>{b.organisationName}</td>
              <td>
                <span className={`status bid-${b.status}`}>{statusLabel(b.status)}</span>
              </td>
              {withTimes ? (
                <td>
                  <Time iso={b.receivedAt ?? null} />
                </td>
              ) : null}
            </tr>
          ))}
        </DataTable>
      )}
    </section>
  );
}
