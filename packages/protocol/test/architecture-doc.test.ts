/** docs/architecture.md lists the protocol package's files; the listing stays true to the package. */
import { readdir, readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';

it('docs/architecture.md names every source file of packages/protocol, and only those', async () => {
  const doc = await readFile(fileURLToPath(new URL('../../../docs/architecture.md', import.meta.url)), 'utf8');
  const section = doc.slice(doc.indexOf('## Protocol'), doc.indexOf('\n## ', doc.indexOf('## Protocol') + 1));
  const listing = /```\n([\s\S]*?)```/.exec(section)?.[1] ?? '';
  const listed = listing.split('\n').filter((line) => line.trim() !== '').map((line) => line.split(/\s+/)[0]);
  const files = (await readdir(fileURLToPath(new URL('../src', import.meta.url)))).filter((name) => name !== 'index.ts');
  expect(listed.sort()).toEqual(files.sort());
});
