#!/usr/bin/env node
/**
 * Starts the platform: the API (embedded PGlite and disk store unless DATABASE_URL / S3_ENDPOINT say
 * otherwise) and the web server in front of it, which is the one origin browsers see.
 * `npm start` builds the web app first and then runs this.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const webPort = Number(process.env.PORT ?? 3000);
const apiPort = Number(process.env.API_PORT ?? 3001);
const apiUrl = `http://127.0.0.1:${apiPort}`;

if (!existsSync(join(root, 'apps/web/build/server/index.js'))) {
  console.error('网页尚未构建，请先运行 npm run build / The web app is not built yet: run npm run build first');
  process.exit(1);
}

const children = [];
let stopping = false;

function run(name, args, env) {
  const child = spawn(process.execPath, args, { cwd: root, env: { ...process.env, ...env }, stdio: 'inherit' });
  child.on('exit', (code, signal) => {
    if (!stopping) {
      // 78 (EX_CONFIG): the API has already said, in one line, which setting is wrong.
      if (code !== 78) console.error(`${name} stopped (${signal ?? code}); stopping the platform`);
      stop(code ?? 1);
    }
  });
  children.push(child);
  return child;
}

function stop(code = 0) {
  stopping = true;
  for (const child of children) if (child.exitCode === null) child.kill('SIGTERM');
  setTimeout(() => process.exit(code), 3000).unref();
  Promise.all(children.map((c) => (c.exitCode !== null ? null : new Promise((r) => c.once('exit', r))))).then(() => process.exit(code));
}
process.on('SIGINT', () => stop(0));
process.on('SIGTERM', () => stop(0));

async function waitFor(url, seconds) {
  const until = Date.now() + seconds * 1000;
  while (Date.now() < until) {
    try {
      const response = await fetch(url);
      if (response.ok) return;
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`${url} did not answer within ${seconds} s`);
}

run('API', ['--import', 'tsx', 'apps/api/src/main.ts'], { API_PORT: String(apiPort) });
await waitFor(`${apiUrl}/api/health`, 120);
run('web', ['apps/web/server.mjs'], { PORT: String(webPort), API_URL: apiUrl });
await waitFor(`http://127.0.0.1:${webPort}/api/health`, 60);

const seeded = !process.env.DATABASE_URL || process.env.SEED_DEMO === 'true';
console.log(`
  公共资源交易平台已启动 / The platform is running:  http://localhost:${webPort}
  ${seeded ? `演示账号（密码均为 Ggzy@2026）/ demo logins (password Ggzy@2026 for all):
    交易中心 centre       centre, centre.dj
    行政监督 supervisor   supervisor
    招标人   tenderer     tenderer
    招标代理 agency       agency
    投标人   bidder       bidder1 … bidder5
    评标专家 expert       expert1 … expert9
    保函机构 guarantor    guarantor` : ''}
  Ctrl+C 停止 / to stop
`);
