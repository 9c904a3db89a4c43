import { useState } from 'react';
import { Link, useRevalidator } from 'react-router';
import type { Route } from './+types/holidays';
import { WorkspaceShell } from '../../components/workspace-shell';
import { useI18n } from '../../i18n/i18n';
import { browserApi } from '../../lib/api.browser';
import { serverApi } from '../../lib/api.server';
import { apiErrorOf, describeError } from '../../lib/errors';
import { requireRole } from '../../lib/session.server';
import { beijingDateOf } from '../../lib/time';

export async function loader({ request, context }: Route.LoaderArgs) {
  const me = await requireRole(request, context, 'centre');
  const text = new URL(request.url).searchParams.get('year') ?? '';
  const thisYear = Number(beijingDateOf(new Date().toISOString()).slice(0, 4));
  const year = /^\d{4}$/.test(text) && Number(text) >= 2000 && Number(text) <= 2100 ? Number(text) : thisYear;
  try {
    const api = serverApi(request, context);
    const [entries, years] = await Promise.all([api.calendar.holidays.query({ year }), api.calendar.years.query()]);
    const source = years.find((y) => y.year === year)?.source ?? null;
    // Working-day rules are refused for a year with no calendar: say which of this and next year lack one.
    const missing = [thisYear, thisYear + 1].filter((y) => !years.some((c) => c.year === y));
    return { me, year, entries: entries.map((e) => ({ date: e.date, kind: e.kind, name: e.name })), source, missing, error: null };
  } catch (error) {
    return { me, year, entries: [], source: null, missing: [], error: apiErrorOf(error) ?? { code: 'INTERNAL', zh: '无法加载节假日', en: 'Could not load the holidays' } };
  }
}

type Row = { date: string; kind: 'holiday' | 'workday'; name: string };

/**
 * 法定节假日: the year's holidays and the weekend days worked instead (调休). Working-day rules
 * (government procurement, state-owned property) and the roll-forward of deadlines read this.
 */
export default function Holidays({ loaderData }: Route.ComponentProps) {
  // A new editor per year: the rows being edited belong to the year shown.
  return <HolidayEditor key={loaderData.year} {...loaderData} />;
}

function HolidayEditor({ me, year, entries, source, missing, error }: Route.ComponentProps['loaderData']) {
  const i18n = useI18n();
  const { t } = i18n;
  const revalidator = useRevalidator();
  const [rows, setRows] = useState<Row[]>(entries);
  const [busy, setBusy] = useState(false);
  const [notice, setNotice] = useState<{ kind: 'ok' | 'error'; text: string } | null>(null);
  const patch = (i: number, change: Partial<Row>) => setRows((list) => list.map((r, j) => (j === i ? { ...r, ...change } : r)));

  async function save(event: React.FormEvent<HTMLFormElement>) {
    event.preventDefault();
    setBusy(true);
    setNotice(null);
    try {
      const sorted = [...rows].filter((r) => r.date !== '' || r.name.trim() !== '').sort((a, b) => a.date.localeCompare(b.date));
      const result = await browserApi().calendar.setHolidays.mutate({ year, entries: sorted.map((r) => ({ ...r, name: r.name.trim() })) });
      setRows(sorted);
      await revalidator.revalidate();
      setNotice({ kind: 'ok', text: t('holidays.saved', { count: result.count, year }) });
    } catch (failure) {
      setNotice({ kind: 'error', text: describeError(failure, i18n) });
    } finally {
      setBusy(false);
    }
  }

  return (
    <WorkspaceShell me={me} title={t('holidays.title', { year })}>
      <p className="pager">
        <Link to={`/w/centre/holidays?year=${year - 1}`}>
          ← {year - 1}
        </Link>
        <Link to="/w/centre/calendar">{t('ws.nav.calendar')}</Link>
        <Link to={`/w/centre/holidays?year=${year + 1}`}>
          {year + 1} →
        </Link>
      </p>
      <section className="panel">
        <p className="muted">{t('holidays.intro')}</p>
        <p data-testid="holidays-source" data-source={source ?? 'none'}>
          {t(source === 'published' ? 'holidays.source.published' : source === 'centre' ? 'holidays.source.centre' : source === 'projected' ? 'holidays.source.projected' : 'holidays.source.none', { year })}
        </p>
        {missing.length > 0 ? (
          <p className="alert alert-error" data-testid="holidays-missing">
            {t('holidays.missing', { years: missing.join('、') })}
          </p>
        ) : null}
        {error ? <p className="alert alert-error">{i18n.pick(error)}</p> : null}
        <form onSubmit={save} data-testid="holidays-form">
          <table className="data-table">
            <thead>
              <tr>
                <th>{t('holidays.date')}</th>
                <th>{t('holidays.kind')}</th>
                <th>{t('holidays.name')}</th>
                <th />
              </tr>
            </thead>
            <tbody>
              {rows.length === 0 ? (
                <tr>
                  <td colSpan={4} className="empty">
                    {t('holidays.none')}
                  </td>
                </tr>
              ) : null}
              {rows.map((row, i) => (
                <tr key={i} data-testid="holiday-row">
                  <td>
                    <input type="date" aria-label={t('holidays.date')} value={row.date} min={`${year}-01-01`} max={`${year}-12-31`} onChange={(e) => patch(i, { date: e.target.value })} required />
                  </td>
                  <td>
                    <select aria-label={t('holidays.kind')} value={row.kind} onChange={(e) => patch(i, { kind: e.target.value as Row['kind'] })}>
                      <option value="holiday">{t('holidays.holiday')}</option>
                      <option value="workday">{t('holidays.workday')}</option>
                    </select>
                  </td>
                  <td>
                    <input aria-label={t('holidays.name')} value={row.name} maxLength={50} onChange={(e) => patch(i, { name: e.target.value })} required />
                  </td>
                  <td>
                    <button type="button" className="button button-small button-secondary" onClick={() => setRows((list) => list.filter((_, j) => j !== i))}>
                      {t('form.remove')}
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          <p className="form-actions spaced">
            <button type="button" className="button button-secondary" onClick={() => setRows((list) => [...list, { date: '', kind: 'holiday', name: '' }])} data-testid="add-holiday">
              + {t('holidays.add')}
            </button>
            <button type="submit" className="button" disabled={busy} data-testid="save-holidays">
              {busy ? t('action.working') : t('holidays.save', { year })}
            </button>
          </p>
          {notice ? (
            <p className={`alert ${notice.kind === 'ok' ? 'alert-ok' : 'alert-error'}`} role="status" data-testid="holidays-notice">
              {notice.text}
            </p>
          ) : null}
        </form>
      </section>
    </WorkspaceShell>
  );
}
