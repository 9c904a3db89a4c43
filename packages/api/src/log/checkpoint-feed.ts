import { getCheckpoint, getTraceStatus } from '@ggzy/audit';
import type { Database } from '@ggzy/db';

export interface CheckpointEvent {
  size: number;
  root: string;
  pending: number;
  signedAt: string;
}

type Listener = (event: CheckpointEvent) => void;

/**
 * One poll of the latest checkpoint per process, shared by every live view (the portal's trace-log
 * panel): the database sees one query a second however many browsers watch. Polling the database,
 * rather than an in-process event, also sees checkpoints signed by other API processes.
 */
class CheckpointFeed {
  private readonly listeners = new Set<Listener>();
  private timer: NodeJS.Timeout | undefined;
  latest: CheckpointEvent | null = null;

  constructor(
    private readonly db: Database,
    private readonly intervalMs: number,
  ) {}

  subscribe(listener: Listener): () => void {
    this.listeners.add(listener);
    if (!this.timer) {
      this.timer = setInterval(() => void this.poll(), this.intervalMs);
      this.timer.unref();
    }
    return () => {
      this.listeners.delete(listener);
      if (this.listeners.size === 0 && this.timer) {
        clearInterval(this.timer);
        this.timer = undefined;
      }
    };
  }

  async poll(): Promise<CheckpointEvent | null> {
    try {
      const [checkpoint, status] = await Promise.all([getCheckpoint(this.db), getTraceStatus(this.db)]);
      if (!checkpoint) return null;
      const changed = !this.latest || this.latest.size !== checkpoint.size || this.latest.pending !== status.pending;
      this.latest = { size: checkpoint.size, root: checkpoint.root, pending: status.pending, signedAt: checkpoint.createdAt.toISOString() };
      if (changed) for (const listener of this.listeners) listener(this.latest);
      return this.latest;
    } catch {
      // A failed poll (for example during shutdown) is retried on the next tick.
      return this.latest;
    }
  }
}

const feeds = new WeakMap<Database, CheckpointFeed>();

export function checkpointFeed(db: Database, intervalMs = 1000): CheckpointFeed {
  let feed = feeds.get(db);
  if (!feed) {
    feed = new CheckpointFeed(db, intervalMs);
    feeds.set(db, feed);
  }
  return feed;
}

/** Yields the latest checkpoint now and then on every change, until the signal aborts. */
export async function* watchCheckpoints(db: Database, signal: AbortSignal | undefined): AsyncGenerator<CheckpointEvent> {
  const feed = checkpointFeed(db);
  const queue: CheckpointEvent[] = [];
  let wake: (() => void) | undefined;
  const unsubscribe = feed.subscribe((event) => {
    queue.push(event);
    wake?.();
  });
  const aborted = new Promise<void>((resolve) => signal?.addEventListener('abort', () => resolve(), { once: true }));
  try {
    const first = feed.latest ?? (await feed.poll());
    if (first) yield first;
    while (!signal?.aborted) {
      if (queue.length === 0) {
        await Promise.race([new Promise<void>((resolve) => (wake = resolve)), aborted]);
        wake = undefined;
      }
      const next = queue.shift();
      if (next) yield next;
    }
  } finally {
    unsubscribe();
  }
}
