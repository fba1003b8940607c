/**
 * A second server process, as far as the auth store is concerned: opens a store with an opener
 * exported by a plugin module, waits for the agreed start time, races the parent and its siblings
 * (creating the same users, recording failures of one key), and prints what happened as one line
 * of JSON. Run by `expectAuthStoreHoldsAcrossProcesses`, never imported.
 *
 * argv: modulePath exportName uri startAt names(JSON) failures key now
 */
import { pathToFileURL } from 'node:url';
import type { AuthStore } from '@orrery/core';
import { raceOnce } from './auth-race.js';

async function main(): Promise<void> {
  const [modulePath, exportName, uri, startAt, namesJson, failures, key, now] = process.argv.slice(2);
  const module = (await import(pathToFileURL(modulePath!).href)) as Record<string, (uri: string) => Promise<AuthStore>>;
  const store = await module[exportName!]!(uri!);
  try {
    const race = { startAt: Number(startAt), names: JSON.parse(namesJson!) as string[], failures: Number(failures), key: key!, now: Number(now) };
    process.stdout.write(`${JSON.stringify(await raceOnce(store, race))}\n`);
  } finally {
    await store.close();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
