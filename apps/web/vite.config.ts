import { reactRouter } from '@react-router/dev/vite';
import { defineConfig } from 'vite';

export default defineConfig({
  plugins: [reactRouter()],
  // The workspace packages export TypeScript sources, which Node cannot load: bundle them.
  ssr: { noExternal: [/^@ggzy\//] },
  // The bid page's workers (app/lib/bid/*.worker.ts) import code that is split into chunks, which
  // only ES-module workers can load; every browser the platform supports runs them.
  worker: { format: 'es' },
  server: {
    // `react-router dev`: the same single origin as production (server.mjs) for the API.
    proxy: { '/api': { target: process.env.API_URL ?? 'http://127.0.0.1:3001', xfwd: true } },
  },
});
