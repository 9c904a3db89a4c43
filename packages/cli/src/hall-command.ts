/** `ggzy hall sign-in`: signing in to the opening hall (签到) with the certificate's key (hall.ts). */
import type { Command } from 'commander';
import { run, withP12, withSignIn } from './bid-commands';
import { hallSignIn, type HallOptions } from './hall';

export const HALL_SIGN_IN_HELP = `
The platform's sign-in challenge for this section and your company is checked, signed here with the
key file's private key (context ggzy-hall-sign-in/v1) and sent back with the certificate's id; the
stored signature is your attendance record. Then hand over the key with
  ggzy decrypt --section <id> --user <name> --p12 bidder.p12
once the host has started the decryption window. Only the signature leaves this machine.
`;

export function registerHallCommands(program: Command): void {
  const hall = program.command('hall').description('开标大厅：投标人签到 / the opening hall: the bidder’s sign-in');
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
}
