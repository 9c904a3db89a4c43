import { SECTION_STATES, TENDER_METHODS, TRANSACTION_TYPES, type SectionState, type TenderMethod, type TransactionType } from '@ggzy/domain';
import { Form, Link } from 'react-router';
import type { Route } from './+types/sections';
import { StateBadge, SuspendedBadge, Time, useLabels } from '../components/section-bits';
import { useI18n } from '../i18n/i18n';
import { serverApi } from '../lib/api.server';
import { apiErrorOf } from '../lib/errors';
import { formatYuan } from '../lib/money';
import { beijingDateToIso } from '../lib/time';

const PAGE_SIZE = 20;
const PUBLIC_STATES = SECTION_STATES.filter((s): s is Exclude<SectionState, 'draft'> => s !== 'draft');
const FILTERS = ['keyword', 'type', 'regionCode', 'method', 'state', 'publishedFrom', 'publishedTo', 'deadlineFrom', 'deadlineTo'] as const;
type Filters = Record<(typeof FILTERS)[number], string>;

function oneOf<T extends string>(list: readonly T[], value: string): T | undefined {
  return (list as readonly string[]).includes(value) ? (value as T) : undefined;
}

/** The search lives in the URL (shareable, back-button friendly); unknown values are no filter. */
function filtersOf(url: URL): Filters {
  const value = (name: string) => (url.searchParams.get(name) ?? '').trim().slice(0, 100);
  return Object.fromEntries(FILTERS.map((name) => [name, value(name)])) as Filters;
}

export async function loader({ request, context }: Route.LoaderArgs) {
  const url = new URL(request.url);
  const filters = filtersOf(url);
  const pageText = url.searchParams.get('page') ?? '1';
  const page = /^\d{1,5}$/.test(pageText) ? Math.max(1, Math.min(10_000, Number(pageText))) : 1;
  const api = serverApi(request, context);
  const regions = await api.portal.regions.query().catch(() => []);
  try {
    const result = await api.portal.search.query({
      keyword: filters.keyword || undefined,
      type: oneOf<TransactionType>(TRANSACTION_TYPES, filters.type),
      method: oneOf<TenderMethod>(TENDER_METHODS, filters.method),
      state: oneOf(PUBLIC_STATES, filters.state),
      regionCode: /^\d{6}$/.test(filters.regionCode) ? filters.regionCode : undefined,
      publishedFrom: beijingDateToIso(filters.publishedFrom),
      publishedTo: beijingDateToIso(filters.publishedTo, true),
      deadlineFrom: beijingDateToIso(filters.deadlineFrom),
      deadlineTo: beijingDateToIso(filters.deadlineTo, true),
      page,
      pageSize: PAGE_SIZE,
    });
    return { filters, result, regions, error: null };
  } catch (error) {
    return {
      filters,
      regions,
      result: { items: [], total: 0, totalCapped: false, page, pageSize: PAGE_SIZE },
      error: apiErrorOf(error) ?? { code: 'INTERNAL', zh: '无法加载交易信息', en: 'Could not load the listings' },
    };
  }
}

function queryWith(filters: Filters, page: number): string {
  const params = new URLSearchParams();
  for (const name of FILTERS) if (filters[name] !== '') params.set(name, filters[name]);
  if (page > 1) params.set('page', String(page));
  const text = params.toString();
  return text ? `?${text}` : '';
}

export default function SectionSearch({ loaderData }: Route.ComponentProps) {
  const i18n = useI18n();
  const { t } = i18n;
  const labels = useLabels();
  const { filters, result, error } = loaderData;
  const pages = Math.max(1, Math.ceil(result.total / result.pageSize));
  return (
    <div>
      <h1>{t('search.title')}</h1>
      <section className="panel">
        <Form method="get" className="filter-form" key={JSON.stringify(filters)} data-testid="search-form">
          <label className="span-2">
            {t('search.keyword')}
            <input name="keyword" type="search" defaultValue={filters.keyword} maxLength={100} placeholder={t('search.keywordHint')} />
          </label>
          <label>
            {t('search.type')}
            <select name="type" defaultValue={filters.type}>
              <option value="">{t('search.any')}</option>
              {TRANSACTION_TYPES.map((type) => (
                <option key={type} value={type}>
                  {labels.type(type)}
                </option>
              ))}
            </select>
          </label>
          <label>
            {t('search.region')}
            <select name="regionCode" defaultValue={filters.regionCode}>
              <option value="">{t('search.any')}</option>
              {loaderData.regions.map((r) => (
                <option key={r.code} value={r.code}>
                  {'\u3000'.repeat(r.depth)}
                  {r.name}
                  {r.level !== 'county' ? t('search.regionBelow') : ''}
                </option>
              ))}
            </select>
          </label>
          <label>
            {t('search.method')}
            <select name="method" defaultValue={filters.method}>
              <option value="">{t('search.any')}</option>
              {TENDER_METHODS.map((method) => (
                <option key={method} value={method}>
                  {labels.method(method)}
                </option>
              ))}
            </select>
          </label>
          <label>
            {t('search.state')}
            <select name="state" defaultValue={filters.state}>
              <option value="">{t('search.any')}</option>
              {PUBLIC_STATES.map((state) => (
                <option key={state} value={state}>
                  {labels.state(state)}
                </option>
              ))}
            </select>
          </label>
          <label>
            {t('search.publishedFrom')}
            <input type="date" name="publishedFrom" defaultValue={filters.publishedFrom} />
          </label>
          <label>
            {t('search.publishedTo')}
            <input type="date" name="publishedTo" defaultValue={filters.publishedTo} />
          </label>
          <label>
            {t('search.deadlineFrom')}
            <input type="date" name="deadlineFrom" defaultValue={filters.deadlineFrom} />
          </label>
          <label>
            {t('search.deadlineTo')}
            <input type="date" name="deadlineTo" defaultValue={filters.deadlineTo} />
          </label>
          <div className="form-actions">
            <button type="submit" className="button">
              {t('search.submit')}
            </button>
            <Link to="/sections" className="button button-secondary">
              {t('search.reset')}
            </Link>
          </div>
        </Form>
      </section>
      <section className="panel">
        {error ? <p className="alert alert-error">{i18n.pick(error)}</p> : null}
        <p className="muted" data-testid="search-total">
          {t('search.total', { total: result.totalCapped ? t('search.about', { n: result.total.toLocaleString(i18n.lang === 'en' ? 'en' : 'zh-CN') }) : result.total })} {t('search.timeZone')}
        </p>
        <div className="table-wrap">
          <table className="data-table" data-testid="search-results">
            <thead>
              <tr>
                <th>{t('col.section')}</th>
                <th>{t('col.type')}</th>
                <th>{t('col.region')}</th>
                <th className="num">{t('col.estimatedPrice')}</th>
                <th>{t('col.published')}</th>
                <th>{t('col.deadline')}</th>
                <th>{t('col.status')}</th>
              </tr>
            </thead>
            <tbody>
              {result.items.length === 0 ? (
                <tr>
                  <td colSpan={7} className="empty">
                    {t('search.empty')}
                  </td>
                </tr>
              ) : null}
              {result.items.map((item) => (
                <tr key={item.id} data-testid="search-row" data-section-id={item.id}>
                  <td>
                    <Link to={`/sections/${item.id}`}>{item.name}</Link>
                    <div className="muted small">
                      {item.projectName} · <span className="mono">{item.code}</span>
                    </div>
                  </td>
                  <td className="nowrap">
                    {labels.type(item.type)}
                    <div className="muted small">{labels.method(item.method)}</div>
                  </td>
                  <td className="nowrap">{item.regionName}</td>
                  <td className="num nowrap">{formatYuan(item.estimatedPrice)}</td>
                  <td>
                    <Time iso={item.publishedAt} />
                  </td>
                  <td>
                    <Time iso={item.deadline} />
                  </td>
                  <td>
                    <StateBadge state={item.state} /> <SuspendedBadge suspended={item.suspended} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
        {pages > 1 ? (
          <nav className="pager" aria-label={t('search.pages')} data-testid="pager">
            {result.page > 1 ? <Link to={`/sections${queryWith(filters, result.page - 1)}`}>← {t('search.prev')}</Link> : <span />}
            <span className="muted">{t('search.page', { page: result.page, pages: result.totalCapped ? t('search.about', { n: pages }) : pages })}</span>
            {result.page < pages ? (
              <Link to={`/sections${queryWith(filters, result.page + 1)}`} data-testid="next-page">
                {t('search.next')} →
              </Link>
            ) : (
              <span />
            )}
          </nav>
        ) : null}
      </section>
    </div>
  );
}
