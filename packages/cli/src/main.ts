import type { SealSummary } from '@ggzy/crypto';
import { Command, InvalidArgumentError } from 'commander';
import { collect, progress, registerBidCommands, run } from './bid-commands';
import { hasBundleFiles } from './bundle';
import { CliError, describeError } from './errors';
import { registerDecryptCommand } from './decrypt-command';
import { registerHallCommands } from './hall-command';
import { registerVerifyDrawCommand } from './verify-draw';
import { EXIT, exitCodeOf, formatReport, verifyRemoteLog } from './verify-log';
import { openFile, sealFile } from './seal';
import { sealForSection } from './seal-section';
import { DEFAULT_API } from './session';

interface SealCommandOptions {
  in?: string;
  out: string;
  to: string[];
  opening?: string;
  section?: string;
  bidder?: string;
  schedule?: string;
  commercial: string[];
  technical: string[];
  price: string[];
  api: string;
  user?: string;
  password?: string;
  p12?: string;
  p12Password?: string;
}

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
  .addHelpText(
    'after',
    '\nExit codes: 0 intact; 1 entries disagree with the signed checkpoints; 2 could not run;\n' +
      '3 the log no longer extends the checkpoint remembered in --state (fork, shrink or rollback);\n' +
      '4 a checkpoint is signed by another key than the pinned one.',
  )
  .requiredOption('--url <url>', 'platform address, e.g. http://localhost:3000')
  .option('--username <name>', 'an account allowed to read the trace log (the supervisor)', 'supervisor')
  .option('--password <password>', 'its password (better: the GGZY_PASSWORD environment variable)')
  .option('--key <verifierKey>', 'the checkpoint verifier key to trust (name+hash+key)')
  .option('--state <file>', 'remember the key and the last intact checkpoint (with its leaf hashes) here; later runs name a fork, shrink or rollback')
  .option('--page-size <n>', 'entries per request', positive, 10_000)
  .option('--json', 'print the report as JSON')
  .action(async (options: { url: string; username: string; password?: string; key?: string; state?: string; pageSize: number; json?: boolean }) => {
    const password = options.password ?? process.env.GGZY_PASSWORD;
    if (!password) {
      process.stderr.write('缺少密码：请用 --password 或 GGZY_PASSWORD / a password is needed: --password or GGZY_PASSWORD\n');
      process.exit(EXIT.error);
    }
    try {
      const result = await verifyRemoteLog({ ...options, password });
      process.stdout.write(options.json ? `${JSON.stringify(result.report, null, 2)}\n` : formatReport(result));
      process.exit(exitCodeOf(result.report));
    } catch (error) {
      process.stderr.write(`✗ ${describeError(error)}\n`);
      process.exit(EXIT.error);
    }
  });

program
  .command('seal')
  .description('在本机密封投标文件 / seal a bid on this machine: to certificates (nothing is sent), or for a section of the platform')
  .option('--in <file>', 'the bid file (e.g. a bundle from ggzy bundle)')
  .requiredOption('--out <file>', 'the envelope to write (must not exist)')
  .option('--to <certificate.pem>', 'offline: the bidder certificate to seal to (repeatable)', collect, [])
  .option('--opening <certificate.pem>', "offline: the section's opening-key certificate, when the tender uses one")
  .option('--section <id>', 'with --to: a section id bound into the envelope; without --to: the section to seal for (recipients from the platform)')
  .option('--bidder <id>', 'offline: bidder organisation id, bound into the envelope')
  .option('--schedule <file>', 'for a section: bundle on the fly from the opening schedule (JSON)…')
  .option('--commercial <file>', '…and the commercial part (repeatable)', collect, [])
  .option('--technical <file>', '…the technical part (repeatable)', collect, [])
  .option('--price <file>', '…the price part (repeatable)', collect, [])
  .option('--api <url>', 'for a section: the platform API', DEFAULT_API)
  .option('--user <name>', 'for a section: the bidder account')
  .option('--password <password>', 'its password (better: GGZY_PASSWORD)')
  .option('--p12 <file>', "for a section: check the platform seals to this key file's certificate")
  .option('--p12-password <password>', 'its password (or GGZY_P12_PASSWORD)')
  .action((options: SealCommandOptions) =>
    run(async () => {
      let summary: SealSummary;
      if (options.to.length > 0) {
        if (!options.in) throw new CliError('请用 --in 给出要密封的文件 / give the file to seal with --in');
        const metadata: Record<string, string> = {};
        if (options.section) metadata.section = options.section;
        if (options.bidder) metadata.bidder = options.bidder;
        summary = await sealFile({ input: options.in, output: options.out, to: options.to, opening: options.opening, metadata });
      } else if (options.section) {
        const bundle = hasBundleFiles(options) ? { schedule: options.schedule ?? '', commercial: options.commercial, technical: options.technical, price: options.price } : undefined;
        if (bundle && !options.schedule) throw new CliError('制作投标文件包需要 --schedule / a bundle needs --schedule');
        const onProgress = (done: number, total: number) => progress(`  密封 / sealing ${(done / 2 ** 20).toFixed(1)} / ${(total / 2 ** 20).toFixed(1)} MiB`);
        const sealed = await sealForSection({ ...options, sectionId: options.section, input: options.in, output: options.out, bundle, onProgress });
        if (process.stderr.isTTY) process.stderr.write('\n');
        summary = sealed.summary;
        process.stdout.write(`  标段 / section ${sealed.info.section.code} ${sealed.info.section.name}, suite ${sealed.info.suite}, ${sealed.info.recipients.length} recipient(s)\n`);
      } else {
        throw new CliError('请用 --to 给出证书，或用 --section 为平台上的标段密封 / give certificates with --to, or a section of the platform with --section');
      }
      process.stdout.write(
        `✓ 已密封 / sealed: ${summary.plaintextBytes} → ${summary.envelopeBytes} bytes, ${summary.chunks} chunk(s)\n` +
          `  ciphertext sha256 ${summary.ciphertextSha256}\n`,
      );
    }),
  );

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

registerBidCommands(program);
registerDecryptCommand(program);
registerHallCommands(program);
registerVerifyDrawCommand(program);

await program.parseAsync(process.argv);
