/** `ggzy verify-draw`, run as the real binary on the worked vector of docs/expert-draw.md and on altered copies. */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const BIN = fileURLToPath(new URL('../bin/ggzy.mjs', import.meta.url));
const VECTOR = fileURLToPath(new URL('../../domain/src/evaluation/testdata/draw-vector.json', import.meta.url));
const ggzy = (args: string[]) => promisify(execFile)(process.execPath, [BIN, ...args]);

interface Record {
  secret: string;
  rounds: { publicValue: string; committee: { specialty: string; expertIds: string[] }[]; inputs: { pool: { id: string; available: boolean }[] } }[];
}

// Each case starts the binary (tsx compiles on start): generous on a shared machine.
describe('ggzy verify-draw (offline)', { timeout: 120_000 }, () => {
  let dir: string;
  let vector: Record;
  const write = async (name: string, change: (r: Record) => void) => {
    const copy = JSON.parse(JSON.stringify(vector)) as Record;
    change(copy);
    await writeFile(join(dir, name), JSON.stringify(copy));
    return join(dir, name);
  };

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'ggzy-draw-'));
    vector = JSON.parse(await readFile(VECTOR, 'utf8')) as Record;
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('recomputes the worked vector to the committee in the record (exit 0)', async () => {
    const { stdout } = await ggzy(['verify-draw', VECTOR]);
    expect(stdout).toContain('✓ 专家抽取核验一致：承诺、抽取条件与 2 轮抽取结果均可重算 / the draw matches');
    expect(stdout).toContain('A01: e15, e11, e07（候选 6 名 / of 6 candidates）');
    expect(stdout).toContain('评标专家 / committee experts (5): A01 e15, e07, e14; B02 e12, e08');
    const json = JSON.parse((await ggzy(['verify-draw', VECTOR, '--json'])).stdout);
    expect(json).toMatchObject({ matches: true, mismatches: [], committee: [{ specialty: 'A01', expertIds: ['e15', 'e07', 'e14'] }, { specialty: 'B02', expertIds: ['e12', 'e08'] }] });
  });

  it('says what differs when the committee was swapped, the seed changed or the pool edited (exit 1)', async () => {
    const swapped = await write('swapped.json', (r) => (r.rounds[0]!.committee[0]!.expertIds[2] = 'e01'));
    await expect(ggzy(['verify-draw', swapped])).rejects.toMatchObject({
      code: 1,
      stdout: expect.stringContaining('✗ 专家抽取核验不一致：发现 1 处差异 / the draw does not match: 1 difference(s)\n  [committee] 第 0 轮专业 A01：记录的专家为 e15、e11、e01，重算得到 e15、e11、e07 / round 0 specialty A01: the record names e15, e11, e01; recomputed e15, e11, e07'),
    });
    const reseeded = await write('reseeded.json', (r) => (r.rounds[0]!.publicValue = 'ff'.repeat(32)));
    await expect(ggzy(['verify-draw', reseeded])).rejects.toMatchObject({ code: 1, stdout: expect.stringMatching(/\[committee\] 第 0 轮专业 B02：记录的专家为 e12、e08，重算得到 e08、e12 \/ round 0 specialty B02/) });
    const edited = await write('edited.json', (r) => (r.rounds[0]!.inputs.pool.find((e) => e.id === 'e09')!.available = false));
    await expect(ggzy(['verify-draw', edited])).rejects.toMatchObject({ code: 1, stdout: expect.stringMatching(/\[pool-digest\] 第 0 轮专家库摘要不符.*\n.*\[inputs-digest\]/) });
  });

  it('refuses a secret that does not open the commitment (exit 1)', async () => {
    const file = await write('secret.json', (r) => (r.secret = `${r.secret.slice(0, 62)}ff`));
    await expect(ggzy(['verify-draw', file])).rejects.toMatchObject({
      code: 1,
      stdout: expect.stringContaining('[commitment] 揭示的抽取密钥与事先承诺的不符 / the revealed secret does not match the commitment'),
    });
  });

  it('cannot run on something that is not a draw record (exit 2), Chinese first', async () => {
    await writeFile(join(dir, 'not-json.json'), '{');
    await expect(ggzy(['verify-draw', join(dir, 'not-json.json')])).rejects.toMatchObject({ code: 2, stderr: expect.stringContaining('✗ 抽取记录不是有效的 JSON') });
    const noVersion = await write('no-version.json', (r) => delete (r as { version?: string }).version);
    await expect(ggzy(['verify-draw', noVersion])).rejects.toMatchObject({ code: 2, stderr: expect.stringMatching(/^✗ 抽取记录（version）格式不对/) });
    const badInputs = await write('bad-inputs.json', (r) => (r.rounds[0]!.inputs.pool[0]!.id = r.rounds[0]!.inputs.pool[1]!.id));
    await expect(ggzy(['verify-draw', badInputs])).rejects.toMatchObject({ code: 2, stderr: expect.stringContaining('专家库中有重复的专家标识') });
  });
});
