import { reactRouter } from '@react-router/dev/vite';
import { defineConfig } from 'vite';

export default defineConfig({
  plugins: [reactRouter()],
  // The workspace packages export TypeScript sources, which Node cannot load: bundle them.
  ssr: { noExternal: [/^@ggzy\//] },
  server: {
    // `react-router dev`: the same single origin as production (server.mjs) for the API.
    proxy: { '/api': { target: process.env.API_URL ?? 'http://127.0.0.1:3001', xfwd: true } },
  },
});
