import { TRANSACTION_TYPES } from '@ggzy/domain';
import { Link } from 'react-router';
import type { Route } from './+types/home';
import { StateBadge, SuspendedBadge, Time } from '../components/section-bits';
import { TracePanel, type TraceHead } from '../components/trace-panel';
import { useI18n, type MessageKey } from '../i18n/i18n';
import { serverApi } from '../lib/api.server';

/** How many of the newest sections each transaction type shows on the home page. */
const LATEST = 5;

export async function loader({ request, context }: Route.LoaderArgs) {
  const api = serverApi(request, context);
  const [status, ...latest] = await Promise.allSettled([
    api.log.status.query(),
    ...TRANSACTION_TYPES.map((type) => api.portal.search.query({ type, page: 1, pageSize: LATEST })),
  ]);
  let trace: TraceHead | null = null;
  if (status?.status === 'fulfilled') {
    const s = status.value as Awaited<ReturnType<typeof api.log.status.query>>;
    trace = { size: s.checkpoint?.size ?? 0, pending: s.pending, root: s.checkpoint?.root ?? null, signedAt: s.checkpoint?.signedAt ?? null };
  }
  // The portal still renders when the API is away: the lists are empty, the live panel fills in later.
  type Page = Awaited<ReturnType<typeof api.portal.search.query>>;
  const sections = TRANSACTION_TYPES.map((type, i) => {
    const result = latest[i];
    const page = result?.status === 'fulfilled' ? (result.value as Page) : null;
    return { type, items: page?.items ?? [], total: page?.total ?? 0, totalCapped: page?.totalCapped ?? false };
  });
  return { trace, sections };
}

export default function Home({ loaderData }: Route.ComponentProps) {
  const i18n = useI18n();
  const { t } = i18n;
  return (
    <div className="home">
      <section className="hero">
        <h1>{t('site.title')}</h1>
        <p>{t('home.intro')}</p>
      </section>
      <div className="home-grid">
        <div>
          <div className="panel-heading">
            <h2 className="section-title grow">{t('home.heading')}</h2>
            <Link to="/sections" data-testid="all-sections">
              {t('home.searchAll')} →
            </Link>
          </div>
          {loaderData.sections.map(({ type, items, total, totalCapped }) => (
            <section key={type} className="panel notice-section" data-testid={`type-${type}`} aria-labelledby={`type-${type}`}>
              <div className="panel-heading">
                <h3 id={`type-${type}`}>{t(`type.${type}` satisfies MessageKey)}</h3>
                {items.length > 0 ? (
                  <Link to={`/sections?type=${type}`} className="more-link">
                    {t('home.more', { total: totalCapped ? t('search.about', { n: total.toLocaleString(i18n.lang === 'en' ? 'en' : 'zh-CN') }) : total })} →
                  </Link>
                ) : null}
              </div>
              <p className="muted">{t(`type.${type}.desc` satisfies MessageKey)}</p>
              {items.length === 0 ? (
                <div className="empty-state">
                  <p className="empty-title">{t('home.noNotices')}</p>
                  <p className="muted">{t('home.noticesNext')}</p>
                </div>
              ) : (
                <ul className="notice-list">
                  {items.map((item) => (
                    <li key={item.id} data-testid="latest-section">
                      <Link to={`/sections/${item.id}`}>{item.name}</Link>
                      <span className="muted notice-meta">
                        {item.projectName} · {item.regionName}
                      </span>
                      <span className="notice-side">
                        <StateBadge state={item.state} />
                        <SuspendedBadge suspended={item.suspended} />
                        <span className="muted">
                          {t('home.deadline')} <Time iso={item.deadline} />
                        </span>
                      </span>
                    </li>
                  ))}
                </ul>
              )}
            </section>
          ))}
        </div>
        <aside>
          <TracePanel initial={loaderData.trace} />
        </aside>
      </div>
    </div>
  );
}
