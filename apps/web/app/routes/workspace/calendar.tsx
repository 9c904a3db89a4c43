import { Link } from 'react-router';
import type { Route } from './+types/calendar';
import { StateBadge, useLabels } from '../../components/section-bits';
import { WorkspaceShell } from '../../components/workspace-shell';
import { useI18n } from '../../i18n/i18n';
import { serverApi } from '../../lib/api.server';
import { apiErrorOf } from '../../lib/errors';
import { requireRole } from '../../lib/session.server';
import { beijingDateOf, formatTime, TIME_ZONE } from '../../lib/time';

const DAYS = 60;

/** /w/centre/calendar and /w/supervisor/calendar: deadlines (= openings) of the region, by day. */
export async function loader({ request, context }: Route.LoaderArgs) {
  const role = new URL(request.url).pathname.split('/')[2] === 'supervisor' ? ('supervisor' as const) : ('centre' as const);
  const me = await requireRole(request, context, role);
  const api = serverApi(request, context);
  const from = new Date();
  const to = new Date(from.getTime() + DAYS * 86_400_000);
  const years = [...new Set([beijingDateOf(from.toISOString()), beijingDateOf(to.toISOString())].map((d) => Number(d.slice(0, 4))))];
  try {
    const [entries, ...holidays] = await Promise.all([
      api.calendar.sections.query({ from: from.toISOString(), to: to.toISOString() }),
      ...years.map((year) => api.calendar.holidays.query({ year })),
    ]);
    return { me, role, from: from.toISOString(), to: to.toISOString(), entries, holidays: holidays.flat(), error: null };
  } catch (error) {
    return {
      me,
      role,
      from: from.toISOString(),
      to: to.toISOString(),
      entries: [],
      holidays: [],
      error: apiErrorOf(error) ?? { code: 'INTERNAL', zh: '无法加载交易日程', en: 'Could not load the calendar' },
    };
  }
}

type Entry = Route.ComponentProps['loaderData']['entries'][number];

const weekdayFormats = {
  zh: new Intl.DateTimeFormat('zh-CN', { timeZone: TIME_ZONE, weekday: 'long' }),
  en: new Intl.DateTimeFormat('en-GB', { timeZone: TIME_ZONE, weekday: 'long' }),
};

export default function Calendar({ loaderData }: Route.ComponentProps) {
  const i18n = useI18n();
  const { t } = i18n;
  const labels = useLabels();
  const { me, role, from, to, entries, holidays, error } = loaderData;
  const days = new Map<string, Entry[]>();
  for (const entry of entries) {
    const day = beijingDateOf(entry.deadline);
    days.set(day, [...(days.get(day) ?? []), entry]);
  }
  const special = new Map(holidays.map((h) => [h.date, h]));

  return (
    <WorkspaceShell me={me} title={t('calendar.title')}>
      <section className="panel">
        <div className="panel-heading">
          <p className="muted">
            {t('calendar.range', { from: formatTime(from).slice(0, 10), to: formatTime(to).slice(0, 10), days: DAYS })} {t('search.timeZone')}
          </p>
          {role === 'centre' ? <Link to="/w/centre/holidays">{t('ws.nav.holidays')} →</Link> : null}
        </div>
        <p className="muted small">{role === 'centre' ? t('calendar.introCentre') : t('calendar.introSupervisor')}</p>
        {error ? <p className="alert alert-error">{i18n.pick(error)}</p> : null}
        {entries.length === 0 && !error ? <p className="empty-state">{t('calendar.empty')}</p> : null}
      </section>
      <div data-testid="calendar">
        {[...days.entries()].map(([day, list]) => {
          const mark = special.get(day);
          return (
            <section key={day} className="panel calendar-day" data-testid="calendar-day" data-date={day}>
              <h2>
                {day} <span className="muted">{weekdayFormats[i18n.lang].format(new Date(`${day}T12:00:00+08:00`))}</span>{' '}
                {mark ? <span className={`badge ${mark.kind === 'holiday' ? 'badge-holiday' : 'badge-muted'}`}>{mark.kind === 'holiday' ? t('holidays.holiday') : t('holidays.workday')} · {mark.name}</span> : null}{' '}
                <span className="muted small">{t('calendar.count', { count: list.length })}</span>
              </h2>
              <table className="data-table">
                <tbody>
                  {list.map((entry) => (
                    <tr key={entry.id} data-testid="calendar-entry" data-section-id={entry.id} data-held={entry.held}>
                      <td className="nowrap mono">{formatTime(entry.deadline).slice(11)}</td>
                      <td>
                        <Link to={role === 'supervisor' ? `/w/supervisor/sections/${entry.id}` : `/sections/${entry.id}`}>{entry.name}</Link>
                        <div className="muted small">
                          {entry.projectName} · <span className="mono">{entry.code}</span>
                        </div>
                      </td>
                      <td className="nowrap">{labels.type(entry.type)}</td>
                      <td className="mono">{entry.regionCode}</td>
                      <td className="nowrap">
                        <StateBadge state={entry.state} />{' '}
                        {entry.held ? (
                          <span className="badge badge-held" title={t('calendar.heldHint')} data-testid="held">
                            {t('calendar.held')}
                          </span>
                        ) : null}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </section>
          );
        })}
      </div>
    </WorkspaceShell>
  );
}
