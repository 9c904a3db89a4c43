import { Command, InvalidArgumentError } from 'commander';
import { describeError } from './http-source';
import { formatReport, verifyRemoteLog } from './verify-log';

const program = new Command()
  .name('ggzy')
  .description('公共资源交易平台命令行工具 / command-line tool of the public resource trading platform')
  .showHelpAfterError();

const positive = (value: string) => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 10_000) throw new InvalidArgumentError('1–10000');
  return n;
};

program
  .command('verify-log')
  .description('核验追溯日志：重算每条记录与签名检查点 / verify the trace log against its signed checkpoints')
  .requiredOption('--url <url>', 'platform address, e.g. http://localhost:3000')
  .option('--username <name>', 'an account allowed to read the trace log (the supervisor)', 'supervisor')
  .option('--password <password>', 'its password (better: the GGZY_PASSWORD environment variable)')
  .option('--key <verifierKey>', 'the checkpoint verifier key to trust (name+hash+key)')
  .option('--state <file>', 'remember the key and last checkpoint here, and refuse a rollback on later runs')
  .option('--page-size <n>', 'entries per request', positive, 10_000)
  .option('--json', 'print the report as JSON')
  .action(async (options: { url: string; username: string; password?: string; key?: string; state?: string; pageSize: number; json?: boolean }) => {
    const password = options.password ?? process.env.GGZY_PASSWORD;
    if (!password) {
      process.stderr.write('缺少密码：请用 --password 或 GGZY_PASSWORD / a password is needed: --password or GGZY_PASSWORD\n');
      process.exit(2);
    }
    try {
      const result = await verifyRemoteLog({ ...options, password });
      process.stdout.write(options.json ? `${JSON.stringify(result.report, null, 2)}\n` : formatReport(result));
      process.exit(result.report.ok ? 0 : 1);
    } catch (error) {
      process.stderr.write(`✗ ${describeError(error)}\n`);
      process.exit(2);
    }
  });

await program.parseAsync(process.argv);
