import { inspectEnvelope, type EnvelopeInspection } from '@ggzy/crypto';
import { nodeBackend } from '@ggzy/crypto/node';
import { createReadStream } from 'node:fs';
import { CliError } from './errors';

/** The framing check the server does (docs/envelope.md §5a), plus the digest and size a submit signs. */
export async function inspectEnvelopeFile(path: string): Promise<EnvelopeInspection> {
  try {
    return await inspectEnvelope(createReadStream(path) as AsyncIterable<Uint8Array>, nodeBackend);
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    throw new CliError(`不是有效的密封投标文件 / not a valid sealed bid: ${path}${typeof code === 'string' ? ` [${code}]` : ''}: ${(error as Error).message}`);
  }
}
