/**
 * The events example of docs/architecture.md runs as written: its code block (imports replaced by
 * the same bindings) subscribes to `metric.logged` on a real SQLite store and sees one event.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { openSqliteTrackingStore } from '@orrery/plugin-sqlite';

const doc = readFileSync(new URL('../../docs/architecture.md', import.meta.url), 'utf8');

function eventsExample(): string {
  const section = doc.slice(doc.indexOf('### Events'));
  const block = /```ts\n([\s\S]*?)```/.exec(section);
  if (!block) throw new Error('docs/architecture.md: no ts block under "### Events"');
  return block[1]!;
}

describe('docs/architecture.md', () => {
  it('the events example logs one metric.logged event for one log-batch call', async () => {
    const code = eventsExample();
    expect(code).toContain("store.events.on('metric.logged'");
    // The block is TypeScript: its one annotation is dropped to run it as JavaScript.
    const body = code.replace(/^import .*$/gm, '').replace(': string[] =', ' =') + '\nreturn logged;';
    const AsyncFunction = Object.getPrototypeOf(async () => undefined).constructor as new (...args: string[]) => (
      ...values: unknown[]
    ) => Promise<string[]>;
    const run = new AsyncFunction('openSqliteTrackingStore', body);
    const logged = await run(openSqliteTrackingStore);
    expect(logged).toHaveLength(1);
    expect(logged[0]).toMatch(/^[0-9a-f]{32}: 1$/);
  });
});
