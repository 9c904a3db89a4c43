import { Command, InvalidArgumentError } from 'commander';
import { describeError } from './http-source';
import { formatReport, verifyRemoteLog } from './verify-log';
import { openFile, sealFile } from './seal';

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

const collect = (value: string, previous: string[]) => [...previous, value];

program
  .command('seal')
  .description('在本机密封投标文件（不上传）/ seal a bid file on this machine (nothing is sent)')
  .requiredOption('--in <file>', 'the bid file')
  .requiredOption('--out <file>', 'the envelope to write (must not exist)')
  .requiredOption('--to <certificate.pem>', 'the bidder certificate to seal to (repeatable)', collect, [])
  .option('--opening <certificate.pem>', "the section's opening-key certificate, when the tender uses one")
  .option('--section <id>', 'section id, bound into the envelope')
  .option('--bidder <id>', 'bidder organisation id, bound into the envelope')
  .action(async (options: { in: string; out: string; to: string[]; opening?: string; section?: string; bidder?: string }) => {
    try {
      const metadata: Record<string, string> = {};
      if (options.section) metadata.section = options.section;
      if (options.bidder) metadata.bidder = options.bidder;
      const summary = await sealFile({ input: options.in, output: options.out, to: options.to, opening: options.opening, metadata });
      process.stdout.write(
        `✓ 已密封 / sealed: ${summary.plaintextBytes} → ${summary.envelopeBytes} bytes, ${summary.chunks} chunk(s)\n` +
          `  ciphertext sha256 ${summary.ciphertextSha256}\n`,
      );
    } catch (error) {
      process.stderr.write(`✗ ${(error as Error).message}\n`);
      process.exit(1);
    }
  });

program
  .command('open')
  .description('打开密封的投标文件 / open a sealed bid')
  .requiredOption('--in <file>', 'the envelope')
  .requiredOption('--out <file>', 'where to write the bid (must not exist)')
  .option('--p12 <file>', 'the recipient PKCS#12 file (password from GGZY_P12_PASSWORD)')
  .option('--content-key <hex>', 'the bare content key instead (the opening flow)')
  .action(async (options: { in: string; out: string; p12?: string; contentKey?: string }) => {
    try {
      const { bytes } = await openFile({ input: options.in, output: options.out, p12: options.p12, password: process.env.GGZY_P12_PASSWORD, contentKey: options.contentKey });
      process.stdout.write(`✓ 已打开并核验 / opened and verified: ${bytes} bytes\n`);
    } catch (error) {
      const code = (error as { code?: string }).code;
      process.stderr.write(`✗ ${code ? `[${code}] ` : ''}${(error as Error).message}\n`);
      process.exit(1);
    }
  });

await program.parseAsync(process.argv);
