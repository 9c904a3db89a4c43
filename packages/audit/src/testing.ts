import type { Database } from '@ggzy/db';
import { listSequencedEntries } from './entries';
import { listCheckpoints } from './proofs';
import type { LogSource } from './verify';

/** A LogSource reading straight from a database (tests and benchmarks; the CLI reads over HTTP). */
export function databaseLogSource(db: Database): LogSource {
  return {
    async checkpoints() {
      const notes: string[] = [];
      for (let from = 0; ; ) {
        const page = await listCheckpoints(db, { fromSize: from, limit: 5000 });
        notes.push(...page.map((c) => c.note));
        if (page.length < 5000) return notes;
        from = page.at(-1)!.size + 1;
      }
    },
    entries: (fromSeq, limit) => listSequencedEntries(db, { fromSeq, limit }),
  };
}
