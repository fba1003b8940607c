/**
 * The worked artifact repository of docs/plugins.md: the doc shows test/docs/memory-artifact-repository.ts
 * as it is, and that repository, four primitives on `ArtifactRepositoryBase`, passes the
 * conformance suite every shipped backend passes (file and tree transfers come from core).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { runArtifactRepositoryConformance } from '@orrery/testkit';
import { MemoryArtifactRepository } from './memory-artifact-repository.js';

const doc = readFileSync(new URL('../../docs/plugins.md', import.meta.url), 'utf8');
const example = readFileSync(new URL('./memory-artifact-repository.ts', import.meta.url), 'utf8');

describe('docs/plugins.md artifact repository example', () => {
  it('shows the tested file as it is', () => {
    const shown = example.slice(example.indexOf('import { Readable }')).trimEnd();
    expect(doc).toContain(`\`\`\`ts\n// src/memory-artifacts.ts\n${shown}\n\`\`\``);
  });
});

runArtifactRepositoryConformance({
  name: 'docs example (memory, four primitives on ArtifactRepositoryBase)',
  open: async () => ({ repo: new MemoryArtifactRepository(`memory://${crypto.randomUUID()}`) }),
  // It holds whole files in memory by design, so the memory-flat large-file case does not apply.
  largeFile: false,
});
