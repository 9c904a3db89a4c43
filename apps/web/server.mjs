// The web front end in production: one origin for the browser. It forwards /api/* to the API
// untouched (tRPC, SSE, cookies), hands out the CSRF cookie, serves the built assets and renders
// every page with React Router. Build first: npm run build -w @ggzy/web.
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

// Before React loads (it picks its development or production build from this once): the
// libraries come in through import() below, after this line has run.
process.env.NODE_ENV ??= 'production';
const { createRequestHandler } = await import('@react-router/express');
const { default: compression } = await import('compression');
const { default: express } = await import('express');
const { createProxyMiddleware } = await import('http-proxy-middleware');

const API_URL = (process.env.API_URL ?? 'http://127.0.0.1:3001').replace(/\/+$/, '');
const PORT = Number(process.env.PORT ?? 3000);
const HOST = process.env.HOST ?? '0.0.0.0';
// Behind a load balancer, name it here (Express syntax: 'loopback', a CIDR, a hop count) so the
// browser's own address is what reaches the trace log; by default nothing in front is trusted.
const TRUST_PROXY = process.env.TRUST_PROXY ?? 'false';
const SECURE_COOKIES = process.env.SECURE_COOKIES === 'true';
const CSRF_COOKIE = 'ggzy_csrf';

const clientDir = fileURLToPath(new URL('./build/client', import.meta.url));
const serverBuild = fileURLToPath(new URL('./build/server/index.js', import.meta.url));
if (!existsSync(serverBuild)) {
  process.stderr.write(`找不到构建产物 ${serverBuild}，请先运行 npm run build -w @ggzy/web / No build at ${serverBuild}: run npm run build -w @ggzy/web first\n`);
  process.exit(1);
}

const app = express();
app.disable('x-powered-by');
app.set('trust proxy', TRUST_PROXY === 'false' ? false : TRUST_PROXY === 'true' ? true : /^\d+$/.test(TRUST_PROXY) ? Number(TRUST_PROXY) : TRUST_PROXY);

app.use((req, res, next) => {
  res.setHeader('x-content-type-options', 'nosniff');
  res.setHeader('referrer-policy', 'same-origin');
  res.setHeader('x-frame-options', 'DENY');
  next();
});

// (a) The API, before anything that could buffer or compress a response (SSE must stream).
app.use(
  createProxyMiddleware({
    target: API_URL,
    pathFilter: (path) => path === '/api' || path.startsWith('/api/'),
    changeOrigin: false,
    on: {
      proxyReq: (proxyReq, req) => {
        // Replace, never append: a browser must not be able to choose its own traced address.
        proxyReq.setHeader('x-forwarded-for', req.ip ?? req.socket.remoteAddress ?? '');
      },
      error: (error, req, res) => {
        // `res` is a socket for upgrades; answer only real HTTP responses.
        if (!('writeHead' in res) || res.headersSent) {
          res.destroy?.();
          return;
        }
        res.writeHead(502, { 'content-type': 'application/json; charset=utf-8' });
        res.end(JSON.stringify({ error: { zh: '平台服务暂时不可用，请稍后再试', en: 'The platform service is unavailable; please try again later' } }));
        process.stderr.write(`proxy ${req.method} ${req.url}: ${error.message}\n`);
      },
    },
  }),
);

// (c) The build's files: fingerprinted assets cached for a year, the rest briefly.
app.use(compression());
app.use('/assets', express.static(`${clientDir}/assets`, { immutable: true, maxAge: '1y', index: false }));
app.use(express.static(clientDir, { maxAge: '1h', index: false }));

// (b) Every browser gets a CSRF token (double-submit: it must echo it in x-csrf-token on mutations).
app.use((req, res, next) => {
  if (!new RegExp(`(?:^|;\\s*)${CSRF_COOKIE}=[^;]+`).test(req.headers.cookie ?? '')) {
    const token = randomUUID();
    res.append('set-cookie', `${CSRF_COOKIE}=${token}; Path=/; SameSite=Strict${SECURE_COOKIES ? '; Secure' : ''}`);
    // The loaders of this very request forward cookies to the API: let them carry it already.
    req.headers.cookie = req.headers.cookie ? `${req.headers.cookie}; ${CSRF_COOKIE}=${token}` : `${CSRF_COOKIE}=${token}`;
  }
  next();
});

// (c) Every page, rendered on the server.
app.use(
  createRequestHandler({
    build: await import(serverBuild),
    getLoadContext: (req) => ({ clientAddress: req.ip ?? req.socket.remoteAddress ?? undefined }),
  }),
);

const server = app.listen(PORT, HOST, (error) => {
  if (error) {
    process.stderr.write(`cannot listen on ${HOST}:${PORT}: ${error.message}\n`);
    process.exit(1);
  }
  process.stdout.write(`web listening on http://${HOST}:${PORT} (API ${API_URL})\n`);
});

let closing = false;
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    if (closing) return;
    closing = true;
    // Live views hold connections open; close them so shutdown does not wait for clients.
    server.close(() => process.exit(0));
    server.closeAllConnections();
    setTimeout(() => process.exit(0), 3000).unref();
  });
}
