/** The suites this implementation reads and writes, by id (docs/envelope.md §2 `suite`). */
import { EnvelopeError } from './errors';
import { rsaAesSuite } from './rsa-aes-suite';
import { sm2Sm4Suite } from './sm2-sm4-suite';
import type { Suite } from './suite';

const suites: ReadonlyMap<string, Suite> = new Map([rsaAesSuite, sm2Sm4Suite].map((s) => [s.id, s]));

export function suiteById(id: string): Suite {
  const suite = suites.get(id);
  if (!suite) throw new EnvelopeError('unsupported-suite', `suite ${JSON.stringify(id)}`);
  return suite;
}
