/**
 * `ggzy decrypt`. This build has the bidder's self-test before the deadline (`--check`); handing the
 * content key over at the opening (issue 12, the opening hall) joins it as the same command's other mode.
 */
import type { Command } from 'commander';
import { progress, withP12, withSignIn } from './bid-commands';
import { describeError } from './errors';
import { CHECK_EXIT, formatCheck, runDecryptCheck, type DecryptCheckOptions } from './decrypt-check';

export const DECRYPT_CHECK_HELP = `
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
  withP12(withSignIn(program.command('decrypt').description('解密自检：在本机用证书试解密自己的投标文件 / decryption self-test: open your own sealed bid here with your certificate')), true)
    .argument('[envelope]', 'with --check: the envelope file to test (or --section)')
    .option('--check', 'the self-test before the deadline: nothing is handed over')
    .option('--section <id>', 'with --check: test your current submitted bid in this section, downloaded from the platform')
    .option('--key-only', 'only unwrap the content key and check its commitment (fast; does not find a damaged upload)')
    .addHelpText('after', DECRYPT_CHECK_HELP)
    .action(async (envelope: string | undefined, o: Omit<DecryptCheckOptions, 'envelope'> & { check?: boolean }) => {
      if (!o.check) {
        process.stderr.write('✗ 请使用 --check 进行解密自检（开标时的解密在开标大厅进行）/ use --check for the self-test (decryption at the opening happens in the opening hall)\n');
        process.exit(CHECK_EXIT.error);
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
