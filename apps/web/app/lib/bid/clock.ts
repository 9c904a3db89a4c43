import { useEffect, useState } from 'react';

/**
 * The platform's clock as seen from this browser, for countdowns. The API has no time endpoint, so
 * the offset comes from the `Date` header of /api/health (the API host's clock, which the
 * deployment keeps on a trusted time source, DESIGN.md §3), measured at the middle of the round
 * trip. It is whole seconds, so the estimate is up to a second off; the countdown only informs: the
 * database clock decides whether a submit was in time.
 */
export async function measureServerOffset(): Promise<number | null> {
  try {
    const sent = Date.now();
    const response = await fetch('/api/health', { cache: 'no-store', credentials: 'same-origin' });
    const received = Date.now();
    const header = response.headers.get('date');
    if (!header) return null;
    const server = Date.parse(header);
    if (Number.isNaN(server)) return null;
    // The header truncates to the second: its true value lies half a second later on average.
    return server + 500 - (sent + received) / 2;
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
