/**
 * The load generator of the HTTP benchmarks, in a process of its own: autocannon with the options
 * the parent sends, its figures sent back. Sharing the event loop with the server under test (as a
 * plain `await autocannon(...)` in the bench process would) charges the server for the client's
 * work and the client for the server's pauses, baseline and API alike. (Not a worker thread:
 * autocannon inside a worker thread answers with raw histograms meant for its own aggregation.)
 */
import autocannon from 'autocannon';

process.once('message', async (options) => {
  const result = await autocannon(options);
  process.send(
    {
      p50: result.latency.p50,
      p99: result.latency.p99,
      rps: result.requests.average,
      errors: result.errors + result.timeouts,
      non2xx: result.non2xx,
    },
    () => process.exit(0),
  );
});
