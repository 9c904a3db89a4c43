/** File helpers shared by the commands: nothing half-written, and passwords never echoed. */
import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { access, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { CliError } from './errors';

/** A temporary name beside the target (same directory, so the rename is atomic). */
const partialOf = (path: string) => `${path}.${randomBytes(4).toString('hex')}.partial`;

export async function refuseExisting(path: string): Promise<void> {
  const exists = await access(path).then(
    () => true,
    () => false,
  );
  if (exists) throw new CliError(`文件已存在，不会覆盖：${path} / the file exists and will not be overwritten: ${path}`);
}

/** Writes a whole file: to a temporary name first, renamed into place only when complete. */
export async function writeFileAtomic(path: string, data: string | Uint8Array, options: { mode?: number; overwrite?: boolean } = {}): Promise<void> {
  if (!options.overwrite) await refuseExisting(path);
  const partial = partialOf(path);
  try {
    await writeFile(partial, data, { flag: 'wx', mode: options.mode ?? 0o644 });
    await rename(partial, path);
  } catch (error) {
    await rm(partial, { force: true });
    throw error;
  }
}

/** Streams into a file the same way: a failure half-way leaves nothing under the target name. */
export async function writeStreamAtomic(path: string, bytes: AsyncIterable<Uint8Array>, options: { mode?: number } = {}): Promise<void> {
  await refuseExisting(path);
  const partial = partialOf(path);
  try {
    await pipeline(Readable.from(bytes), createWriteStream(partial, { flags: 'wx', mode: options.mode ?? 0o644 }));
    await rename(partial, path);
  } catch (error) {
    await rm(partial, { force: true });
    throw error;
  }
}

export async function readJsonFile(path: string, what: { zh: string; en: string }): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new CliError(`无法读取${what.zh} ${path} / cannot read ${what.en} ${path}: ${(error as Error).message}`);
  }
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new CliError(`${what.zh}不是有效的 JSON：${path} / ${what.en} is not valid JSON: ${path}`);
  }
}

/**
 * The PKCS#12 password: the option, else GGZY_P12_PASSWORD, else asked on the terminal without
 * echo. Without a terminal and without either, the command fails rather than hang.
 */
export async function p12Password(option: string | undefined, prompt: { zh: string; en: string }, confirm = false): Promise<string> {
  const given = option ?? process.env.GGZY_P12_PASSWORD;
  if (given !== undefined) return given;
  if (!process.stdin.isTTY) {
    throw new CliError('缺少证书文件密码：请用 --p12-password 或 GGZY_P12_PASSWORD / the PKCS#12 password is needed: --p12-password or GGZY_P12_PASSWORD');
  }
  const first = await askHidden(`${prompt.zh} / ${prompt.en}: `);
  if (confirm && (await askHidden('再输入一次 / again: ')) !== first) throw new CliError('两次输入的密码不一致 / the passwords differ');
  return first;
}

async function askHidden(question: string): Promise<string> {
  process.stderr.write(question);
  // A muted output stream: readline echoes what is typed to its output, and we give it none.
  const muted = new Writable({ write: (_chunk, _encoding, done) => done() });
  const rl = createInterface({ input: process.stdin, output: muted, terminal: true });
  try {
    return await new Promise<string>((resolve) => rl.question('', resolve));
  } finally {
    rl.close();
    process.stderr.write('\n');
  }
}
