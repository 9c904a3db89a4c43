/**
 * A test's SSE watcher of `hall.watch`, read with fetch (Node 20 has no EventSource): follows `url()`,
 * and when the stream breaks, connects again (to wherever `url()` points then) with the last id it
 * saw, as the web client does. Collects the event ids (each checked against its event's seq) until
 * `until(ids)` holds after an event, or `stop()`.
 */
import { expect } from 'vitest';

export function sseWatcher(sectionId: string, url: () => string, until: (ids: number[]) => boolean) {
  const ids: number[] = [];
  let reconnects = 0;
  const stopped = new AbortController();
  const done = (async () => {
    while (!until(ids) && !stopped.signal.aborted) {
      const last = ids.at(-1);
      const input = encodeURIComponent(JSON.stringify({ sectionId, ...(last ? { lastEventId: String(last) } : {}) }));
      try {
        const response = await fetch(`${url()}/api/trpc/hall.watch?input=${input}`, { headers: { accept: 'text/event-stream' }, signal: stopped.signal });
        if (!response.ok || !response.body) throw new Error(`status ${response.status}`);
        const decoder = new TextDecoder();
        let buffer = '';
        for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
          buffer += decoder.decode(chunk, { stream: true });
          let end: number;
          while ((end = buffer.indexOf('\n\n')) >= 0) {
            const block = buffer.slice(0, end);
            buffer = buffer.slice(end + 2);
            const id = /^id: ?(\d+)$/m.exec(block)?.[1];
            const data = /^data: ?(.*)$/m.exec(block)?.[1];
            if (id && data && !/^event: /m.test(block)) {
              const event = JSON.parse(data) as { seq: number };
              expect(String(event.seq)).toBe(id);
              ids.push(Number(id));
            }
          }
          if (until(ids)) break;
        }
      } catch {
        // The process went away (or refused while starting): connect again.
      }
      if (!until(ids) && !stopped.signal.aborted) {
        reconnects++;
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  })();
  /** Ends the watch (the current stream is dropped). */
  const stop = () => stopped.abort();
  return { ids, done, stop, reconnects: () => reconnects };
}
