import pino from 'pino';
import { checkBoot } from './boot-check';
import { ConfigError, loadConfig } from './config';
import { startPlatform } from './platform';

let config;
try {
  config = loadConfig();
} catch (error) {
  if (error instanceof ConfigError) {
    process.stderr.write(`${error.message}\n`);
    process.exit(78); // EX_CONFIG
  }
  throw error;
}

const log = pino({ level: config.logLevel, base: { service: 'ggzy-api' } });
// A wrong address or credential: one line naming the setting, the full error only at debug level.
const problem = await checkBoot(config);
if (problem) {
  log.debug({ err: problem.error, setting: problem.setting }, 'boot check failed');
  process.stderr.write(`${problem.line}\n`);
  process.exit(78); // EX_CONFIG
}
const platform = await startPlatform(config, log);
log.info(
  { url: platform.url, database: config.database.kind, storage: config.storage.kind, origin: config.logOrigin },
  'API listening',
);

let closing = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (closing) return;
    closing = true;
    log.info({ signal }, 'shutting down');
    platform.close().then(
      () => process.exit(0),
      (error: unknown) => {
        log.error({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  });
}
