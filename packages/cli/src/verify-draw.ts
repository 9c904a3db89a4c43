/**
 * `ggzy verify-draw <record.json>`: recomputes an expert draw from its revealed secret
 * (docs/expert-draw.md) and says whether the committee in the record is the one the procedure gives.
 * Offline: nothing is sent anywhere.
 */
import { describeDrawMismatch, isAppError, verifyDrawRecord, type DrawVerification } from '@ggzy/domain';
import type { Command } from 'commander';
import { describeError } from './errors';
import { readJsonFile } from './files';

export const VERIFY_DRAW_EXIT = {
  /** Every round recomputes to the recorded committee. */
  matches: 0,
  /** The record disagrees with the recomputation (secret, digests, committee, refill). */
  differs: 1,
  /** The record could not be read or is not a draw record. */
  error: 2,
} as const;

export const VERIFY_DRAW_HELP = `
The record holds the draw's inputs (pool snapshot, request, exclusions), the revealed secret, its
commitment, each round's public value and the committee claimed. Every round is recomputed:
eligibility with recusal, seed = HMAC-SHA-256(secret, public value, section, round, inputs digest),
the HMAC stream, rejection sampling and Fisher–Yates. That the public value is a checkpoint signed
after the commitment entry is checked with ggzy verify-log and the entry's inclusion proof.

Exit codes: 0 the draw matches; 1 it does not (every difference is listed); 2 the record could not
be read or is not a draw record.
`;

export function formatDrawVerification(v: DrawVerification): string {
  const lines: string[] = [];
  v.rounds.forEach((round, i) => {
    if (!round) return;
    lines.push(`  第 ${i} 轮 / round ${i}: inputs ${round.inputsDigest}, seed ${round.seed}`);
    for (const g of round.groups) lines.push(`    ${g.specialty}: ${g.expertIds.join(", ")}（候选 ${g.candidates} 名 / of ${g.candidates} candidates）`);
    const recused = round.eligibility.ineligible.length;
    lines.push(`    ${round.eligibility.eligible.length} 名符合条件，${recused} 名不符合或回避 / ${round.eligibility.eligible.length} eligible, ${recused} not eligible or recused`);
  });
  if (v.matches) {
    const members = v.committee.reduce((n, g) => n + g.expertIds.length, 0);
    lines.push(
      `✓ 专家抽取核验一致：承诺、抽取条件与 ${v.rounds.length} 轮抽取结果均可重算 / the draw matches: the commitment, the inputs and ${v.rounds.length} round(s) recompute to the record`,
      `  标段 / section ${v.sectionId}; 评标专家 / committee experts (${members}): ${v.committee.map((g) => `${g.specialty} ${g.expertIds.join(', ')}`).join('; ')}`,
    );
  } else {
    lines.push(`✗ 专家抽取核验不一致：发现 ${v.mismatches.length} 处差异 / the draw does not match: ${v.mismatches.length} difference(s)`);
    for (const m of v.mismatches) {
      const text = describeDrawMismatch(m);
      lines.push(`  [${m.kind}] ${text.zh} / ${text.en}`);
    }
  }
  return `${lines.join('\n')}\n`;
}

export function registerVerifyDrawCommand(program: Command): void {
  program
    .command('verify-draw')
    .description('核验专家抽取：由揭示的密钥重算评标委员会 / verify an expert draw: recompute the committee from its revealed secret')
    .argument('<record>', 'the draw record (JSON)')
    .option('--json', 'print the verification as JSON')
    .addHelpText('after', VERIFY_DRAW_HELP)
    .action(async (file: string, options: { json?: boolean }) => {
      let verification: DrawVerification;
      try {
        verification = verifyDrawRecord(await readJsonFile(file, { zh: '抽取记录', en: 'the draw record' }));
      } catch (error) {
        process.stderr.write(`✗ ${isAppError(error) ? `${error.zh} / ${error.en}` : describeError(error)}\n`);
        process.exit(VERIFY_DRAW_EXIT.error);
      }
      if (options.json) {
        const { matches, sectionId, mismatches, committee } = verification;
        process.stdout.write(`${JSON.stringify({ matches, sectionId, mismatches, committee, rounds: verification.rounds.map((r) => r && { ...r, eligibility: undefined }) }, null, 2)}\n`);
      } else {
        process.stdout.write(formatDrawVerification(verification));
      }
      process.exit(verification.matches ? VERIFY_DRAW_EXIT.matches : VERIFY_DRAW_EXIT.differs);
    });
}
