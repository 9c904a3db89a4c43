/**
 * `ggzy hall sign-in`: signing in to the opening hall (签到) with the certificate's key (hall.ts);
 * `ggzy hall share`: a custodian's share to recover a bid (hall-share.ts).
 */
import type { Command } from 'commander';
import { run, withP12, withSignIn } from './bid-commands';
import { formatRow, hallSignIn, type HallOptions } from './hall';
import { hallShare, type HallShareOptions } from './hall-share';

export const HALL_SIGN_IN_HELP = `
The platform's sign-in challenge for this section and your company is checked, signed here with the
key file's private key (context ggzy-hall-sign-in/v1) and sent back with the certificate's id; the
stored signature is your attendance record. Then hand over the key with
  ggzy decrypt --section <id> --user <name> --p12 bidder.p12
once the host has started the decryption window. Only the signature leaves this machine.
`;

export const HALL_SHARE_HELP = `
For a custodian of the section's opening key, after the deadline, when a bidder cannot decrypt its
bid. Your sealed share is fetched, opened HERE with the key file's private key (it must be the key of
the certificate you held when the opening key was made), and submitted for the bid of
--organisation, signed with your certificate (context ggzy-hall-share/v1) over the section, the
opening key id, the share's SHA-256 and the platform's challenge. When k custodians have submitted,
the platform rebuilds the opening key in memory, decrypts the bid and reads it out as recovered.
Only the plain share and the signature leave this machine; never the private key or the key file.
`;

export function registerHallCommands(program: Command): void {
  const hall = program.command('hall').description('开标大厅：投标人签到；保管人恢复 / the opening hall: the bidder’s sign-in; a custodian’s recovery share');
  withP12(withSignIn(hall.command('sign-in').description('用数字证书签到 / sign in to the hall with your certificate')), true)
    .requiredOption('--section <id>', 'the section whose opening you attend')
    .addHelpText('after', HALL_SIGN_IN_HELP)
    .action((o: HallOptions) =>
      run(async () => {
        const result = await hallSignIn(o);
        process.stdout.write(
          `✓ ${result.already ? '本单位已签到 / your company had already signed in' : '签到成功 / signed in'}: ${result.signedInAt}\n` +
            `  证书 / certificate: serial ${result.certificate.serial}, ${result.certificate.subject}\n`,
        );
      }),
    );

  withP12(withSignIn(hall.command('share').description('保管人提交开标密钥份额以恢复投标文件 / a custodian submits its share to recover a bid')), true)
    .requiredOption('--section <id>', 'the section whose opening key you hold a share of')
    .requiredOption('--organisation <id>', 'the company whose bid is to be recovered')
    .addHelpText('after', HALL_SHARE_HELP)
    .action((o: HallShareOptions) =>
      run(async () => {
        const result = await hallShare(o);
        if (result.outcome === 'recovered') {
          process.stdout.write(`✓ 已恢复 / recovered: ${result.companyName}\n${formatRow(result.row).join('\n')}\n`);
        } else {
          process.stdout.write(
            `✓ ${result.already ? '您的份额此前已提交，仅计一次 / your share was already submitted; it counts once' : '份额已提交 / share submitted'}: ${result.companyName}, ${result.received}/${result.threshold}\n` +
              `  尚需 ${result.threshold - result.received} 名保管人 / ${result.threshold - result.received} more custodian(s) needed\n`,
          );
        }
      }),
    );
}
