import type { Database } from '@ggzy/db';
import { LRUCache } from 'lru-cache';
import { searchSections, type PortalSearch } from './portal';

type SearchResult = Awaited<ReturnType<typeof searchSections>>;

/**
 * A few seconds of memory for the public portal's list: it is public data, a notice published now
 * shows within the cache's lifetime, and under load (many visitors repeating the same front-page and
 * filter queries) it saves the database the same page and count again and again. Stale entries are
 * served while one refresh runs in the background (stale-while-revalidate), so only the first request
 * for a query ever waits for the database. Per process; keyed by the normalised query. `seconds` 0
 * turns it off.
 */
export function createPortalCache(seconds: number) {
  if (seconds <= 0) return { search: (db: Database, search: PortalSearch) => searchSections(db, search) };
  const cache = new LRUCache<string, SearchResult, { db: Database; search: PortalSearch }>({
    max: 2000,
    ttl: seconds * 1000,
    allowStale: true,
    fetchMethod: (_key, _stale, { context }) => searchSections(context.db, context.search),
  });
  return {
    async search(db: Database, search: PortalSearch): Promise<SearchResult> {
      const key = JSON.stringify(search, Object.keys(search).sort());
      const result = await cache.fetch(key, { context: { db, search } });
      return result ?? searchSections(db, search);
    },
  };
}
