/**
 * Test helpers of the CLI's integration tests: the real `ggzy` binary, and a proxy that records
 * everything the CLI sends (to show that no key material leaves the machine).
 */
import { execFile } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import { fileURLToPath } from 'node:url';

// The bundle of the same sources that the test run's global setup made (scripts/test-cli-bundle.ts), else the binary.
const BIN = process.env.GGZY_TEST_CLI ?? fileURLToPath(new URL('../bin/ggzy.mjs', import.meta.url));

export interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

export function runGgzy(passwords: { account: string; p12: string }, args: string[], env: Record<string, string> = {}): Promise<Run> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { env: { ...process.env, GGZY_PASSWORD: passwords.account, GGZY_P12_PASSWORD: passwords.p12, ...env }, maxBuffer: 2 ** 24 }, (error, stdout, stderr) =>
      resolve({ code: error ? ((error as { code?: number }).code ?? 99) : 0, stdout, stderr }),
    );
  });
}

/** Forwards every request to the API and keeps what was sent: method, path, headers and body. */
export async function recordingProxy(target: string) {
  const seen: Array<{ method: string; path: string; headers: string; body: Buffer }> = [];
  const server: Server = createServer(async (req, res) => {
    const parts: Buffer[] = [];
    for await (const part of req) parts.push(part as Buffer);
    const body = Buffer.concat(parts);
    seen.push({ method: req.method ?? '', path: req.url ?? '', headers: JSON.stringify(req.headers), body });
    const headers = Object.fromEntries(Object.entries(req.headers).filter(([k]) => !['host', 'connection', 'content-length'].includes(k))) as Record<string, string>;
    const answer = await fetch(new URL(req.url ?? '/', target), { method: req.method, headers, ...(body.length ? { body } : {}) });
    const out: Record<string, string | string[]> = {};
    answer.headers.forEach((v, k) => {
      if (k !== 'set-cookie' && k !== 'content-encoding' && k !== 'transfer-encoding') out[k] = v;
    });
    const cookies = answer.headers.getSetCookie();
    if (cookies.length) out['set-cookie'] = cookies;
    res.writeHead(answer.status, out);
    try {
      if (answer.body) for await (const chunk of answer.body as unknown as AsyncIterable<Uint8Array>) res.write(chunk);
    } catch {
      // the client dropped the download after the header
    }
    res.end();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const address = server.address();
  const url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  return {
    url,
    seen,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}
