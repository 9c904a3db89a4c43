import { createServer, type Server } from 'node:http';
import { afterEach, describe, expect, test } from 'vitest';
import { measureServerOffset, remaining } from './clock';

describe('the deadline countdown', () => {
  const deadline = Date.parse('2026-12-15T01:30:00Z'); // 09:30 Beijing time

  test('whole days, then hours, minutes and seconds', () => {
    expect(remaining(deadline, deadline - (2 * 86_400_000 + 3_600_000 + 61_000))).toMatchObject({ days: 2, clock: '01:01:01' });
    expect(remaining(deadline, deadline - 59_999)).toMatchObject({ days: 0, clock: '00:00:59' });
  });

  test('nothing is left at the deadline itself', () => {
    expect(remaining(deadline, deadline)).toBeNull();
    expect(remaining(deadline, deadline + 1)).toBeNull();
  });
});

describe('the offset to the platform clock', () => {
  let server: Server | undefined;
  afterEach(() => server?.close());

  /** An HTTP server whose clock runs `ahead` ms ahead of this one; /api/time answers only when `withTime`. */
  async function platform(ahead: number, withTime: boolean): Promise<string> {
    server = createServer((req, res) => {
      const now = new Date(Date.now() + ahead);
      res.setHeader('date', now.toUTCString());
      if (withTime && req.url === '/api/time') {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ now: now.toISOString(), source: 'database' }));
        return;
      }
      res.writeHead(404);
      res.end();
    });
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', () => resolve()));
    const address = server.address();
    return `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  }

  test('reads the database clock from /api/time to within the round trip', async () => {
    const offset = await measureServerOffset(await platform(90 * 60_000 + 123, true));
    expect(offset).not.toBeNull();
    expect(Math.abs(offset! - (90 * 60_000 + 123))).toBeLessThan(250);
  });

  test('falls back to the Date header (whole seconds) when /api/time does not answer', async () => {
    const offset = await measureServerOffset(await platform(-3_600_000, false));
    expect(offset).not.toBeNull();
    expect(Math.abs(offset! + 3_600_000)).toBeLessThan(1_500);
  });
});
