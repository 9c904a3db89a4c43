import { executeRows, liveEvent, sql, type Database } from '@ggzy/db';

/** The PostgreSQL channel every API process LISTENs on; the payload is `<topic> <seq>`, never content. */
export const LIVE_CHANNEL = 'ggzy_live';

export interface LiveEventInput {
  /** One ordered stream per topic, for example `hall:<section id>`. */
  topic: string;
  kind: string;
  payload?: Record<string, unknown>;
  /** Only these audiences receive it; empty or absent: everyone watching the topic. */
  audience?: string[];
}

export interface LiveEvent {
  topic: string;
  seq: number;
  kind: string;
  payload: Record<string, unknown>;
  audience: string[];
  at: string;
}

/**
 * Records a live event in the caller's transaction (call it inside the transaction of the change it
 * reports, beside the trace entry): numbered next in its topic under a transaction-scoped advisory
 * lock, so sequence numbers of a topic commit in order, and announced with NOTIFY, which PostgreSQL
 * delivers at commit (never for a rolled-back change). Returns the event as watchers will see it.
 */
export async function publishLive(tx: Database, input: LiveEventInput): Promise<LiveEvent> {
  await tx.execute(sql`select pg_advisory_xact_lock(hashtextextended(${'live:' + input.topic}, 0))`);
  const [row] = await executeRows<{ seq: string | number; at: Date | string }>(
    tx,
    sql`insert into ${liveEvent} (topic, seq, kind, payload, audience)
        values (${input.topic},
                (select coalesce(max(seq), 0) + 1 from ${liveEvent} where topic = ${input.topic}),
                ${input.kind}, ${JSON.stringify(input.payload ?? {})}::jsonb, array(select jsonb_array_elements_text(${JSON.stringify(input.audience ?? [])}::jsonb)))
        returning seq, at`,
  );
  const seq = Number(row!.seq);
  await tx.execute(sql`select pg_notify(${LIVE_CHANNEL}, ${`${input.topic} ${seq}`})`);
  return { topic: input.topic, seq, kind: input.kind, payload: input.payload ?? {}, audience: input.audience ?? [], at: new Date(row!.at).toISOString() };
}
