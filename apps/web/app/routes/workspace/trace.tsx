import type { TraceLeafEntry } from '@ggzy/audit/leaf';
import { useState } from 'react';
import { Form, Link } from 'react-router';
import type { Route } from './+types/trace';
import { LogVerdictBanner, useLogVerdict } from '../../components/log-verdict';
import { useFailureText } from '../../components/verdict';
import { WorkspaceShell } from '../../components/workspace-shell';
import { useI18n } from '../../i18n/i18n';
import { serverApi } from '../../lib/api.server';
import { apiErrorOf } from '../../lib/errors';
import { isRoleCode } from '../../lib/roles';
import { requireRole } from '../../lib/session.server';
import { beijingLocalToIso, formatTime } from '../../lib/time';
import { checkWholeLog } from '../../lib/log-verdict';
import { verifyEntry, type Verdict } from '../../lib/verify-entry';

const PAGE_SIZE = 50;
const FILTERS = ['actor', 'action', 'targetType', 'targetId', 'from', 'to'] as const;
type Filters = Record<(typeof FILTERS)[number], string>;

function filtersOf(url: URL): Filters {
  const value = (name: string) => (url.searchParams.get(name) ?? '').trim();
  return { actor: value('actor'), action: value('action'), targetType: value('targetType'), targetId: value('targetId'), from: value('from'), to: value('to') };
}

export async function loader({ request, context }: Route.LoaderArgs) {
  const me = await requireRole(request, context, 'supervisor');
  const url = new URL(request.url);
  const filters = filtersOf(url);
  const beforeText = url.searchParams.get('before');
  const beforeId = beforeText && /^\d{1,15}$/.test(beforeText) ? Number(beforeText) : undefined;
  const optional = (v: string) => (v === '' ? undefined : v);
  try {
    const entries = await serverApi(request, context).log.search.query({
      actor: optional(filters.actor),
      action: optional(filters.action),
      targetType: optional(filters.targetType),
      targetId: optional(filters.targetId),
      // The form's times are Beijing wall-clock times; the API takes ISO 8601 instants.
      from: beijingLocalToIso(filters.from),
      to: beijingLocalToIso(filters.to),
      beforeId,
      limit: PAGE_SIZE,
    });
    return { me, filters, paged: beforeId !== undefined, entries, error: null };
  } catch (error) {
    return {
      me,
      filters,
      paged: beforeId !== undefined,
      entries: [],
      error: apiErrorOf(error) ?? { code: 'INTERNAL', zh: '无法加载留痕记录', en: 'Could not load the trace log' },
    };
  }
}

type Entry = Route.ComponentProps['loaderData']['entries'][number];
type RowState = { state: 'running' } | { state: 'done'; verdict: Verdict };

function queryWith(filters: Filters, extra: Record<string, string>): string {
  const params = new URLSearchParams();
  for (const name of FILTERS) if (filters[name] !== '') params.set(name, filters[name]);
  for (const [name, value] of Object.entries(extra)) params.set(name, value);
  const text = params.toString();
  return text ? `?${text}` : '';
}

export default function TraceViewer({ loaderData }: Route.ComponentProps) {
  const i18n = useI18n();
  const { t } = i18n;
  const failureText = useFailureText();
  const { me, filters, entries, error, paged } = loaderData;
  const [rows, setRows] = useState<Record<number, RowState>>({});
  // One verdict for the whole log against what this browser remembers; a row is only ever ✓ under it.
  const log = useLogVerdict(checkWholeLog);

  async function verify(entry: Entry & { seq: number }) {
    setRows((r) => ({ ...r, [entry.id]: { state: 'running' } }));
    const overall = await log.current();
    const verdict = await verifyEntry(overall, entry.seq, { entry: { ...entry, seq: entry.seq } satisfies TraceLeafEntry });
    setRows((r) => ({ ...r, [entry.id]: { state: 'done', verdict } }));
  }

  function recheck() {
    setRows({});
    void log.recheck();
  }

  const last = entries[entries.length - 1];
  return (
    <WorkspaceShell me={me} title={t('tracev.title')}>
      <section className="panel">
        <h2>{t('logv.title')}</h2>
        <LogVerdictBanner verdict={log.verdict} onRecheck={recheck} />
      </section>
      <section className="panel">
        <h2>{t('tracev.filter')}</h2>
        <Form method="get" className="filter-form" key={JSON.stringify(filters)} data-testid="trace-filter">
          <label>
            {t('tracev.actor')}
            <input name="actor" defaultValue={filters.actor} maxLength={100} />
          </label>
          <label>
            {t('tracev.action')}
            <input name="action" defaultValue={filters.action} maxLength={100} placeholder="auth.login" />
          </label>
          <label>
            {t('tracev.targetType')}
            <input name="targetType" defaultValue={filters.targetType} maxLength={50} />
          </label>
          <label>
            {t('tracev.targetId')}
            <input name="targetId" defaultValue={filters.targetId} maxLength={200} />
          </label>
          <label>
            {t('tracev.from')}
            <input type="datetime-local" name="from" defaultValue={filters.from} />
          </label>
          <label>
            {t('tracev.to')}
            <input type="datetime-local" name="to" defaultValue={filters.to} />
          </label>
          <div className="form-actions">
            <button type="submit" className="button">
              {t('tracev.search')}
            </button>
            <Link to="/w/supervisor/trace" className="button button-secondary">
              {t('tracev.reset')}
            </Link>
          </div>
        </Form>
      </section>
      <section className="panel">
        {error ? <p className="alert alert-error">{i18n.pick(error)}</p> : null}
        <p className="muted">
          {t('tracev.count', { count: entries.length })} {t('tracev.timeZone')}
        </p>
        <div className="table-wrap">
          <table className="data-table trace-table" data-testid="trace-table">
            <thead>
              <tr>
                <th className="num">{t('col.index')}</th>
                <th>{t('col.time')}</th>
                <th>{t('col.actor')}</th>
                <th>{t('col.role')}</th>
                <th>{t('col.action')}</th>
                <th>{t('col.outcome')}</th>
                <th>{t('col.target')}</th>
                <th>{t('col.ip')}</th>
                <th>{t('col.verify')}</th>
              </tr>
            </thead>
            <tbody>
              {entries.length === 0 ? (
                <tr>
                  <td colSpan={9} className="empty">
                    {t('tracev.empty')}
                  </td>
                </tr>
              ) : null}
              {entries.map((entry) => {
                const row = rows[entry.id];
                const seq = entry.seq;
                return (
                  <tr key={entry.id} data-testid="trace-row" data-seq={seq ?? ''} data-action={entry.action}>
                    <td className="num mono">{seq ?? <span className="badge badge-pending">{t('tracev.pending')}</span>}</td>
                    <td className="nowrap">{formatTime(entry.at)}</td>
                    <td>{entry.actorName ?? '—'}</td>
                    <td>{isRoleCode(entry.role) ? t(`role.${entry.role}`) : (entry.role ?? '—')}</td>
                    <td className="mono">{entry.action}</td>
                    <td>
                      <span className={`outcome outcome-${entry.outcome}`}>{t(`outcome.${entry.outcome}`)}</span>
                    </td>
                    <td className="mono target">{entry.targetType ? `${entry.targetType}:${entry.targetId ?? ''}` : '—'}</td>
                    <td className="mono">{entry.ip ?? '—'}</td>
                    <td className="verify-cell">
                      {seq === null ? null : !row ? (
                        <button type="button" className="button button-small" onClick={() => verify({ ...entry, seq })}>
                          {t('tracev.verify')}
                        </button>
                      ) : row.state === 'running' ? (
                        <span className="muted">{t('tracev.verifying')}</span>
                      ) : row.verdict.ok ? (
                        <span className="verdict verdict-ok" data-testid="verdict">
                          {t('tracev.verified', { size: row.verdict.size })}
                        </span>
                      ) : (
                        <span className="verdict verdict-bad" data-testid="verdict">
                          {t('tracev.failed', { reason: failureText(row.verdict) })}
                        </span>
                      )}
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
        <p className="pager">
          {paged ? <Link to={`/w/supervisor/trace${queryWith(filters, {})}`}>← {t('tracev.newest')}</Link> : null}
          {last && entries.length === PAGE_SIZE ? (
            <Link to={`/w/supervisor/trace${queryWith(filters, { before: String(last.id) })}`} data-testid="older">
              {t('tracev.older')} →
            </Link>
          ) : null}
        </p>
      </section>
    </WorkspaceShell>
  );
}
