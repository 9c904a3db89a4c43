import { useEffect, useState } from 'react';
import { useI18n } from '../../i18n/i18n';
import { browserApi } from '../../lib/api.browser';
import { formatBytes } from '../../lib/money';

type Listing = Awaited<ReturnType<ReturnType<typeof browserApi>['hall']['openedBids']['query']>>;

/**
 * The decrypted bids this account may download after they are read out (docs/opening-hall.md §6b):
 * the supervisor every one, a bidder its own. Each download is traced by the platform; the list
 * is read again whenever another bid is opened (`opened` changes).
 */
export function OpenedBids({ sectionId, opened }: { sectionId: string; opened: number }) {
  const { t } = useI18n();
  const [listing, setListing] = useState<Listing | null>(null);
  useEffect(() => {
    let live = true;
    browserApi()
      .hall.openedBids.query({ sectionId })
      .then((l) => live && setListing(l), () => live && setListing(null));
    return () => {
      live = false;
    };
  }, [sectionId, opened]);
  if (!listing || listing.bids.length === 0) return null;
  return (
    <section className="panel" aria-labelledby="hall-opened" data-testid="hall-opened-bids">
      <h2 id="hall-opened">{t('hall.opened.title')}</h2>
      <p className="muted small">{t('hall.opened.intro')}</p>
      <ul>
        {listing.bids.map((b) => (
          <li key={b.organisationId}>
            <a href={b.url} download={b.filename} data-testid="hall-opened-bid">
              {b.companyName}
            </a>{' '}
            <span className="muted small">
              {b.bytes === null ? '' : formatBytes(Number(b.bytes))} · SHA-256 <span className="mono">{b.sha256?.slice(0, 16)}…</span>
            </span>
          </li>
        ))}
      </ul>
    </section>
  );
}
