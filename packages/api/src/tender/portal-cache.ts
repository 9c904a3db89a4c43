import type { Database } from '@ggzy/db';
import { LRUCache } from 'lru-cache';
import { searchSections, type PortalSearch } from './portal';

type SearchResult = Awaited<ReturnType<typeof searchSections>>;

export interface PortalCacheStats {
  /** Answered from memory (fresh, or stale while one refresh runs). */
  hits: number;
  /** Waited for a query another request had already started. */
  joined: number;
  /** Went to the database. */
  misses: number;
}

/**
 * A few seconds of memory for the public portal's list: it is public data, a notice published now
 * shows within the cache's lifetime, and under load (many visitors repeating the same front-page and
 * filter queries) it saves the database the same page and count again and again. Stale entries are
 * served while one refresh runs in the background (stale-while-revalidate), so only the first request
 * for a query ever waits for the database. Per process; keyed by the normalised query. `seconds` 0
 * turns it off.
 */
export function createPortalCache(seconds: number) {
  const stats: PortalCacheStats = { hits: 0, joined: 0, misses: 0 };
  if (seconds <= 0)
    return {
      stats,
      forget: () => {},
      search: (db: Database, search: PortalSearch) => {
        stats.misses++;
        return searchSections(db, search);
      },
    };
  const cache = new LRUCache<string, SearchResult, { db: Database; search: PortalSearch }>({
    max: 2000,
    ttl: seconds * 1000,
    allowStale: true,
    fetchMethod: (_key, _stale, { context }) => searchSections(context.db, context.search),
  });
  return {
    stats,
    /**
     * Drops every cached page, for a change the list shows that must not wait out the lifetime:
     * an objection filed or answered (bidding suspended or resumed, a deadline moved). This
     * process's cache only; another process's expires within its few seconds.
     */
    forget: () => cache.clear(),
    async search(db: Database, search: PortalSearch): Promise<SearchResult> {
      const key = JSON.stringify(search, Object.keys(search).sort());
      const status: LRUCache.Status<string, SearchResult, { db: Database; search: PortalSearch }> = {};
      const result = await cache.fetch(key, { context: { db, search }, status });
      if (status.fetch === 'hit' || status.fetch === 'stale') stats.hits++;
      else if (status.fetch === 'inflight') stats.joined++;
      else stats.misses++;
      return result ?? searchSections(db, search);
    },
  };
}
