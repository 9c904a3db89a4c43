/**
 * `ggzy decrypt`: the bidder's self-test before the deadline (`--check`), and at the opening
 * (`--section` without `--check`) the hand-over of the content key unwrapped here (hall.ts).
 */
import type { Command } from 'commander';
import { progress, run, withP12, withSignIn } from './bid-commands';
import { CliError, describeError } from './errors';
import { formatRow, hallDecrypt } from './hall';
import { CHECK_EXIT, formatCheck, runDecryptCheck, type DecryptCheckOptions } from './decrypt-check';

export const DECRYPT_CHECK_HELP = `
开标解密 / decryption at the opening (without --check), once the host has started the decryption window:
  ggzy hall sign-in --section <id> --user <name> --p12 bidder.p12      sign in first (签到)
  ggzy decrypt --section <id> --user <name> --p12 bidder.p12
Your company's stored envelope is downloaded (its header is all that is read), the content key is
unwrapped here with the key file's private key and checked against the key commitment, and only that
32-byte content key is handed over (hall.handOverKey); the platform then decrypts the bid, checks it
against your receipt and reads out its opening schedule, which is printed. The private key, the key
file and its password never leave this machine. Already decrypted: said so, exit 0. Refused (the
window has not started or is over, the hall is paused, not signed in, …): the platform's reason, exit 1.

解密自检 / decryption self-test (--check), before the deadline:
  ggzy decrypt --check bid.ggzy --p12 bidder.p12              an envelope file on this machine
  ggzy decrypt --check --section <id> --user <name> --p12 bidder.p12
                                                            your company's current submitted bid,
                                                            downloaded from the platform
The content key is unwrapped here with the key file's private key and the key commitment checked;
then the whole envelope is decrypted into nothing (no plaintext is written), every chunk, the end of
the stream and the salted commitment verified, and the content read as a bid bundle with its opening
schedule. Nothing is sent to the platform but the signed-in download of your own envelope. A
certificate renewed on a new key cannot open a bid sealed to the old one: if the check fails, seal
again with your current certificate and submit before the deadline.

Exit codes (--check): ${CHECK_EXIT.passed} passed; ${CHECK_EXIT.wrongKey} this certificate cannot open the bid (seal again);
  ${CHECK_EXIT.damaged} the envelope is damaged or not a bid bundle (seal again); ${CHECK_EXIT.error} the check could not run.
`;

export function registerDecryptCommand(program: Command): void {
  withP12(withSignIn(program.command('decrypt').description('开标解密：在本机解出内容密钥并只提交该密钥；或解密自检（--check）/ decrypt at the opening: unwrap the content key here and hand over only it; or the self-test (--check)')), true)
    .argument('[envelope]', 'with --check: the envelope file to test (or --section)')
    .option('--check', 'the self-test before the deadline: nothing is handed over')
    .option('--section <id>', 'at the opening: the section whose hall you decrypt in; with --check: test your current submitted bid in it')
    .option('--key-only', 'with --check: only unwrap the content key and check its commitment (fast; does not find a damaged upload)')
    .option('--sign-in', 'at the opening: sign in to the hall first, in the same run')
    .addHelpText('after', DECRYPT_CHECK_HELP)
    .action(async (envelope: string | undefined, o: Omit<DecryptCheckOptions, 'envelope'> & { check?: boolean; signIn?: boolean }) => {
      if (!o.check) {
        await run(async () => {
          if (envelope || !o.section) {
            throw new CliError('开标解密请用 --section 指定标段（本机的密封文件只能用 --check 自检）/ at the opening give the section with --section (an envelope file here can only be self-tested with --check)');
          }
          const result = await hallDecrypt({ ...o, section: o.section });
          const out = (line: string) => process.stdout.write(`${line}\n`);
          if (result.signedIn) out(`✓ ${result.signedIn.already ? '已签到 / already signed in' : '签到成功 / signed in'}: ${result.signedIn.signedInAt}`);
          if (result.outcome === 'decrypted') {
            out(`✓ 已解密 / decrypted: ${result.sectionCode}`);
            for (const line of formatRow(result.row)) out(line);
          } else if (result.outcome === 'already-decrypted') {
            out(`✓ 本单位的投标文件已解密，无需再次解密 / your company’s bid is already decrypted; there is nothing more to do: ${result.sectionCode}`);
            if (result.row) for (const line of formatRow(result.row)) out(line);
          } else {
            out(`… 密钥已提交，平台正在解密${result.queuePosition ? `（排队第 ${result.queuePosition} 位）` : ''} / the key is handed over and the platform is decrypting${result.queuePosition ? ` (number ${result.queuePosition} in the queue)` : ''}: ${result.sectionCode}`);
          }
        });
        return;
      }
      let lastStep = 0;
      try {
        const result = await runDecryptCheck({
          ...o,
          envelope,
          // On a terminal every chunk; in a log one line per 64 MiB.
          onProgress: (bytes) => {
            const step = Math.floor(bytes / (64 * 2 ** 20));
            if (!process.stderr.isTTY && step === lastStep) return;
            lastStep = step;
            progress(`  解密 / decrypting ${(bytes / 2 ** 20).toFixed(1)} MiB`);
          },
        });
        if (process.stderr.isTTY) process.stderr.write('\n');
        const { stdout, stderr } = formatCheck(result);
        process.stdout.write(stdout);
        process.stderr.write(stderr);
        process.exit(result.outcome.passed ? CHECK_EXIT.passed : result.outcome.exitCode);
      } catch (error) {
        process.stderr.write(`✗ ${describeError(error)}\n`);
        process.exit(CHECK_EXIT.error);
      }
    });
}
