import type { Route } from './+types/home';
import { TracePanel, type TraceHead } from '../components/trace-panel';
import { useI18n, type MessageKey } from '../i18n/i18n';
import { serverApi } from '../lib/api.server';

/** The five kinds of public resource traded here (DESIGN.md §8). */
const TRANSACTION_TYPES = ['construction', 'procurement', 'stateProperty', 'landUse', 'emissions'] as const;

export async function loader({ request, context }: Route.LoaderArgs) {
  let trace: TraceHead | null = null;
  try {
    const status = await serverApi(request, context).log.status.query();
    trace = {
      size: status.checkpoint?.size ?? 0,
      pending: status.pending,
      root: status.checkpoint?.root ?? null,
      signedAt: status.checkpoint?.signedAt ?? null,
    };
  } catch {
    // The portal still renders; the live panel fills in once the API answers.
  }
  return { trace };
}

export default function Home({ loaderData }: Route.ComponentProps) {
  const { t } = useI18n();
  return (
    <div className="home">
      <section className="hero">
        <h1>{t('site.title')}</h1>
        <p>{t('home.intro')}</p>
      </section>
      <div className="home-grid">
        <div>
          <h2 className="section-title">{t('home.heading')}</h2>
          {TRANSACTION_TYPES.map((type) => (
            <section key={type} className="panel notice-section" data-testid={`type-${type}`} aria-labelledby={`type-${type}`}>
              <h3 id={`type-${type}`}>{t(`type.${type}` satisfies MessageKey)}</h3>
              <p className="muted">{t(`type.${type}.desc` satisfies MessageKey)}</p>
              <div className="empty-state">
                <p className="empty-title">{t('home.noNotices')}</p>
                <p className="muted">{t('home.noticesNext')}</p>
              </div>
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
