/**
 * The bidder's commands against a running platform (docs/sealed-bids.md): enrol, bundle, upload,
 * submit, withdraw, verify-receipt. `seal` (in main.ts) gains the section mode from seal-section.ts.
 * Every command prints one bilingual line per outcome and exits non-zero on any failure.
 */
import { Command, InvalidArgumentError, Option } from 'commander';
import { writeBundle } from './bundle';
import { enrol, type EnrolOptions } from './enrol';
import { describeError } from './errors';
import { readJsonFile } from './files';
import { parseVerifierKey } from '@ggzy/audit/checkpoint';
import { CliError } from './errors';
import { parseReceiptKey, verifyReceiptInclusion, verifyReceiptInLog, verifyReceiptSignature } from './receipt';
import { DEFAULT_API, openSession, signIn } from './session';
import { submitBid, withdrawBid, type SignedRequestOptions } from './submit';
import { uploadEnvelope } from './upload';
import type { SignInOptions } from './session';
import { receiptKey } from './contract';

export const collect = (value: string, previous: string[]) => [...previous, value];
const bytes = (value: string) => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 65_536 || n > 1024 * 2 ** 20) throw new InvalidArgumentError('65536–1073741824');
  return n;
};

/** --api, --user, --password: how every online command signs in. */
export function withSignIn(command: Command): Command {
  return command
    .option('--api <url>', 'the platform API', DEFAULT_API)
    .option('--user <name>', 'the account to sign in with')
    .option('--password <password>', 'its password (better: the GGZY_PASSWORD environment variable)');
}

export function withP12(command: Command, required: boolean): Command {
  const p12 = new Option('--p12 <file>', 'the bidder’s PKCS#12 key file');
  if (required) p12.makeOptionMandatory();
  return command.addOption(p12).option('--p12-password <password>', 'its password (or GGZY_P12_PASSWORD; asked on a terminal otherwise)');
}

/** Runs a command body: its failure is one line on stderr and exit code 1, never a stack trace. */
export async function run(body: () => Promise<void>): Promise<void> {
  try {
    await body();
  } catch (error) {
    process.stderr.write(`✗ ${describeError(error)}\n`);
    process.exit(1);
  }
}

const say = (line: string) => process.stdout.write(`${line}\n`);
const note = (line: string) => process.stderr.write(`${line}\n`);
/** Progress: rewritten in place on a terminal, one line per step otherwise (logs, tests). */
export const progress = (line: string) => (process.stderr.isTTY ? process.stderr.write(`\r${line}\x1b[K`) : note(line));

export function registerBidCommands(program: Command): void {
  withP12(
    withSignIn(program.command('enrol').description('申领数字证书：在本机生成密钥，只发送证书请求 / enrol for a certificate: the key is made here, only the request is sent')),
    true,
  )
    .option('--cert <file>', 'also write the issued certificate (PEM)')
    .option('--credit-code <code>', 'the organisation’s 统一社会信用代码 (certificate subject serialNumber)')
    .option('--common-name <name>', 'certificate CN (default: the organisation’s name)')
    .option('--organisation <name>', 'certificate O (default: the organisation’s name)')
    .action((o: EnrolOptions) =>
      run(async () => {
        const result = await enrol(o);
        say(`✓ 证书已签发并保存 / certificate issued and saved: ${o.p12}`);
        say(`  id ${result.certificateId}, serial ${result.serial}, valid until ${result.notAfter}`);
      }),
    );

  program
    .command('bundle')
    .description('制作投标文件包（开标一览表与各部分文件）/ make a bid bundle (opening schedule and the parts)')
    .requiredOption('--schedule <file>', 'the opening schedule (开标一览表), JSON: { version: 1, priceFen, durationDays, quality, bondReference }')
    .option('--commercial <file>', 'a file of the commercial part (repeatable)', collect, [])
    .option('--technical <file>', 'a file of the technical part (repeatable)', collect, [])
    .option('--price <file>', 'a file of the price part (repeatable)', collect, [])
    .requiredOption('--out <file>', 'the bundle to write (must not exist)')
    .action((o: { schedule: string; commercial: string[]; technical: string[]; price: string[]; out: string }) =>
      run(async () => {
        const bundle = await writeBundle(o);
        say(`✓ 投标文件包已生成 / bid bundle written: ${o.out} (${bundle.size} bytes, ${bundle.entries.length} file(s))`);
      }),
    );

  withSignIn(program.command('upload').description('断点续传密封的投标文件 / upload a sealed bid, resumably (tus)'))
    .argument('<envelope>', 'the sealed bid (from ggzy seal)')
    .requiredOption('--section <id>', 'the section id')
    .option('--chunk-size <bytes>', 'bytes per request (default 16 MiB)', bytes)
    .action((envelope: string, o: SignInOptions & { section: string; chunkSize?: number }) =>
      run(async () => {
        const record = await uploadEnvelope({ ...o, envelope, sectionId: o.section, log: note, progress });
        if (process.stderr.isTTY) note('');
        say(`✓ 上传完成 / uploaded: upload id ${record.uploadId}`);
        say(`  ciphertext sha256 ${record.ciphertextSha256}, ${record.envelopeBytes} bytes (record: ${envelope}.upload.json)`);
      }),
    );

  withP12(withSignIn(program.command('submit').description('签名递交投标 / sign and submit the bid')), true)
    .requiredOption('--section <id>', 'the section id')
    .requiredOption('--upload <record>', 'the .upload.json record (or the envelope beside it), or an upload id with --envelope')
    .option('--envelope <file>', 'the uploaded envelope, when --upload is a bare id')
    .option('--out <file>', 'where to write the receipt (must not exist)', 'receipt.json')
    .action((o: Omit<SignedRequestOptions, 'sectionId'> & { section: string; upload: string; envelope?: string }) =>
      run(async () => {
        const receipt = await submitBid({ ...o, sectionId: o.section });
        say(`✓ 已递交 / submitted: ${receipt.body.sectionCode}, received ${receipt.body.receivedAt}`);
        say(`  回执 / receipt: ${o.out} (trace entry ${receipt.body.traceIndex})`);
      }),
    );

  withP12(withSignIn(program.command('withdraw').description('签名撤回投标 / sign and withdraw the bid')), true)
    .requiredOption('--section <id>', 'the section id')
    .option('--out <file>', 'where to write the receipt (must not exist)', 'receipt.json')
    .action((o: Omit<SignedRequestOptions, 'sectionId'> & { section: string }) =>
      run(async () => {
        const receipt = await withdrawBid({ ...o, sectionId: o.section });
        say(`✓ 已撤回 / withdrawn: ${receipt.body.sectionCode}, received ${receipt.body.receivedAt}`);
        say(`  回执 / receipt: ${o.out} (trace entry ${receipt.body.traceIndex})`);
      }),
    );

  program
    .command('verify-receipt')
    .description('核验回执：平台签名、所附检查点，以及（在线时）当前日志是否延续该检查点 / verify a receipt: the platform’s signature, its checkpoint and, online, that the log served now extends it')
    .argument('<receipt>', 'the receipt file')
    .option('--key <file>', 'the receipt public key to trust ({ keyId, publicKey }); alone, verification is offline')
    .option('--api <url>', 'the platform API: check the trace log too (and take the key from it unless --key)')
    .option('--log-key <verifierKey>', 'the checkpoint verifier key to trust (default online: the platform’s; offline it checks the receipt’s checkpoint)')
    .option('--user <name>', 'the bidder account (its own entry) or the supervisor, to compare the trace entry itself')
    .option('--password <password>', 'its password (or GGZY_PASSWORD)')
    .action((file: string, o: { key?: string; api?: string; logKey?: string; user?: string; password?: string }) =>
      run(async () => {
        const value = await readJsonFile(file, { zh: '回执', en: 'the receipt' });
        const online = o.api !== undefined || o.key === undefined;
        const api = o.api ?? DEFAULT_API;
        const session = o.user ? await signIn({ api, user: o.user, password: o.password }) : openSession(api);
        try {
          const served = online ? await session.getJson('/api/receipts/key', receiptKey) : null;
          const key = o.key ? parseReceiptKey(await readJsonFile(o.key, { zh: '回执公钥', en: 'the receipt key' })) : parseReceiptKey(served);
          if (served && o.key && served.publicKey !== key.publicKey) note('! 平台公布的回执公钥与所信任的不同 / the platform serves a different receipt key than the one trusted');
          const receipt = verifyReceiptSignature(value, key);
          say(`✓ 回执签名有效 / receipt signature valid (key ${key.keyId}${o.key ? '' : ', as served by the platform'})`);
          if (!online) {
            if (!receipt.inclusion) note('! 回执未附检查点 / the receipt carries no checkpoint (made before receipts did)');
            else if (!o.logKey) note('! 未核验回执所附的检查点：请用 --log-key 给出日志验证密钥 / the receipt’s checkpoint was not checked: give the log key with --log-key');
            else {
              let logKey;
              try {
                logKey = parseVerifierKey(o.logKey);
              } catch (error) {
                throw new CliError(`日志验证密钥格式不对 / the log key is malformed: ${(error as Error).message}`);
              }
              const checkpoint = verifyReceiptInclusion(receipt, logKey)!;
              say(`✓ 回执所附检查点（规模 ${checkpoint.size}）签名有效，且包含第 ${receipt.body.traceIndex} 条记录 / the receipt’s checkpoint (size ${checkpoint.size}) is signed and includes entry ${receipt.body.traceIndex}`);
            }
            return;
          }
          const report = await verifyReceiptInLog(session, receipt, { logKey: o.logKey, canReadEntries: Boolean(o.user) });
          if (report.witnessed) {
            say(`✓ 当前日志（规模 ${report.witnessed.logSize}）延续回执中的检查点（规模 ${report.witnessed.receiptSize}）/ the log served now (size ${report.witnessed.logSize}) extends the receipt’s checkpoint (size ${report.witnessed.receiptSize})`);
          } else {
            note('! 回执未附检查点，无法见证日志的历史 / the receipt carries no checkpoint, so it cannot witness the log’s past');
          }
          say(`✓ 追溯日志第 ${receipt.body.traceIndex} 条记录已包含在签名检查点（规模 ${report.checkpointSize}）中 / trace entry ${receipt.body.traceIndex} is included in the signed checkpoint of size ${report.checkpointSize}`);
          if (report.entryChecked) say(`✓ 该记录即本次${receipt.body.kind === 'submit' ? '递交' : '撤回'} / the entry is this bid.${receipt.body.kind}`);
          else note('! 未核对记录内容：请以投标人本人或监督账号登录（--user）/ the entry itself was not compared: sign in as the bidder or the supervisor (--user)');
        } finally {
          if (o.user) await session.logout();
        }
      }),
    );
}

