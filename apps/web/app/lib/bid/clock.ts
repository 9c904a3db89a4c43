import { useEffect, useState } from 'react';

/**
 * The platform's clock as seen from this browser, for countdowns: the database clock from
 * /api/time (the clock that decides whether a bid was in time, docs/sealed-bids.md §7), to the
 * millisecond, taken at the middle of the round trip; the round trip bounds the error. Should that
 * fail, the `Date` header of the same answer (the API host's clock, whole seconds) is used. The
 * countdown only informs: the database decides at submit.
 */
export async function measureServerOffset(base = ''): Promise<number | null> {
  try {
    const sent = Date.now();
    const response = await fetch(`${base}/api/time`, { cache: 'no-store', credentials: 'same-origin' });
    const received = Date.now();
    const middle = (sent + received) / 2;
    if (response.ok) {
      const body = (await response.json().catch(() => null)) as { now?: unknown } | null;
      const server = typeof body?.now === 'string' ? Date.parse(body.now) : Number.NaN;
      if (!Number.isNaN(server)) return server - middle;
    }
    const header = response.headers.get('date');
    if (!header) return null;
    const server = Date.parse(header);
    if (Number.isNaN(server)) return null;
    // The header truncates to the second: its true value lies half a second later on average.
    return server + 500 - middle;
  } catch {
    return null;
  }
}

export interface ServerClock {
  /** Milliseconds to add to this computer's clock; null while unknown or unavailable. */
  offset: number | null;
  /** Now on the server's clock (this computer's until the offset is known), ticking every second. */
  now: number;
}

export function useServerClock(): ServerClock {
  const [offset, setOffset] = useState<number | null>(null);
  const [local, setLocal] = useState(() => Date.now());
  useEffect(() => {
    let alive = true;
    const measure = () => measureServerOffset().then((o) => alive && o !== null && setOffset(o));
    void measure();
    // Laptops sleep and clocks drift: measure again now and then.
    const remeasure = setInterval(measure, 5 * 60_000);
    const tick = setInterval(() => setLocal(Date.now()), 1000);
    return () => {
      alive = false;
      clearInterval(remeasure);
      clearInterval(tick);
    };
  }, []);
  return { offset, now: local + (offset ?? 0) };
}

/** Whole days and the rest as HH:MM:SS, for a countdown; null once the moment has passed. */
export function remaining(untilMs: number, nowMs: number): { days: number; clock: string; totalMs: number } | null {
  const totalMs = untilMs - nowMs;
  if (totalMs <= 0) return null;
  const seconds = Math.floor(totalMs / 1000);
  const days = Math.floor(seconds / 86_400);
  const rest = seconds % 86_400;
  const pad = (n: number) => String(n).padStart(2, '0');
  return { days, clock: `${pad(Math.floor(rest / 3600))}:${pad(Math.floor((rest % 3600) / 60))}:${pad(rest % 60)}`, totalMs };
}
