/**
 * The shell examples of docs/security.md name real commands and flags: every `orrery ...` line in
 * its sh blocks is resolved against the CLI's own command tree, so a renamed or removed flag fails
 * here instead of misleading an operator. (The ini example is read by core's auth tests.)
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { createProgram } from '@orrery/cli';

/** commander's Command, as the CLI builds it (commander is the CLI's dependency, not the root's). */
type Command = ReturnType<typeof createProgram>;

const doc = readFileSync(new URL('../../docs/security.md', import.meta.url), 'utf8');

/** Every `orrery ...` command of the doc's sh blocks, continuation lines joined, pipes into it dropped. */
function orreryCommands(markdown: string): string[][] {
  const commands: string[][] = [];
  for (const block of markdown.matchAll(/```sh\n([\s\S]*?)```/g)) {
    const text = block[1]!.replace(/\\\n\s*/g, ' ');
    for (const rawLine of text.split('\n')) {
      const line = rawLine.replace(/\s#.*$/, '');
      const start = line.search(/(^|[|;&]\s*)orrery\s/);
      if (start < 0) continue;
      const words = line.slice(line.indexOf('orrery', start)).match(/'[^']*'|"[^"]*"|\S+/g) ?? [];
      commands.push(words.slice(1));
    }
  }
  return commands;
}

function optionNames(command: Command): Set<string> {
  const names = new Set<string>();
  for (let at: Command | null = command; at !== null; at = at.parent) {
    for (const option of at.options) {
      if (option.long) names.add(option.long);
      if (option.short) names.add(option.short);
    }
  }
  return names;
}

describe('docs/security.md shell examples', () => {
  const commands = orreryCommands(doc);

  it('has examples to check', () => {
    expect(commands.length).toBeGreaterThanOrEqual(3);
    expect(commands.some((words) => words[0] === 'server')).toBe(true);
    expect(commands.some((words) => words[0] === 'users')).toBe(true);
  });

  it.each(commands.map((words) => [words.join(' '), words] as const))('orrery %s uses commands and flags the CLI has', (_shown, words) => {
    let command: Command = createProgram();
    let index = 0;
    // Subcommands first: walk down while the next word names one.
    while (index < words.length) {
      const next = command.commands.find((sub) => sub.name() === words[index]);
      if (next === undefined) break;
      command = next;
      index += 1;
    }
    expect(command.name(), `no such command: orrery ${words.join(' ')}`).not.toBe('orrery');
    const known = optionNames(command);
    for (const word of words.slice(index)) {
      if (!word.startsWith('-')) continue;
      const flag = word.split('=')[0]!;
      expect(known.has(flag), `orrery ${command.name()} has no option ${flag}`).toBe(true);
    }
  });
});
