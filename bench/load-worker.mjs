/**
 * The load generator of the HTTP benchmarks, in a process of its own: sharing the event loop with
 * the server under test would charge the server for the client's work and the client for the
 * server's pauses, baseline and API alike.
 *
 * Open loop (decision 011): `loadtest` sends one request every 1000/rate ms whatever the answers, on
 * as many keep-alive connections as are busy at that moment, so 200 req/s arrive as 200 visitors
 * would, one every 5 ms, and a slow answer does not hold back the next request (no coordinated
 * omission). autocannon's `overallRate` over 20 connections instead sends all 20 at once every
 * 100 ms: a burst the portal never sees from real visitors, and one that measures the queue depth
 * of the burst rather than the portal.
 *
 * Each request's path is drawn from `paths` with the given `weights` (a fixed seed, so every run
 * sends the same sequence), which gives the long-tailed mixes of distinct queries.
 */
import { loadTest } from 'loadtest';

/** A small deterministic PRNG (mulberry32): the same request sequence in every run. */
function random(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

process.once('message', async ({ url, paths, weights, rate, seconds, seed = 1 }) => {
  const cumulative = [];
  let total = 0;
  for (const w of weights ?? paths.map(() => 1)) cumulative.push((total += w));
  const next = random(seed);
  const pick = () => {
    const x = next() * total;
    let lo = 0;
    let hi = cumulative.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cumulative[mid] > x) hi = mid;
      else lo = mid + 1;
    }
    return paths[lo];
  };
  const distinct = new Set();
  const result = await loadTest({
    url,
    requestsPerSecond: rate,
    maxSeconds: seconds,
    agentKeepAlive: true,
    requestGenerator: (_options, params, request, callback) => {
      const path = pick();
      distinct.add(path);
      return request({ ...params, path }, callback);
    },
    quiet: true,
  });
  const errors = Object.entries(result.errorCodes ?? {});
  process.send(
    {
      p50: result.percentiles[50],
      p99: result.percentiles[99],
      max: result.maxLatencyMs,
      rps: result.effectiveRps,
      requests: result.totalRequests,
      errors: errors.filter(([code]) => code === '-1').reduce((n, [, c]) => n + c, 0),
      non2xx: errors.filter(([code]) => code !== '-1').reduce((n, [, c]) => n + c, 0),
      distinct: distinct.size,
    },
    () => process.exit(0),
  );
});
