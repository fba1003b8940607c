/**
 * The `orrery` commands shown in docs/ name real commands and flags: every line of a code block
 * that runs `orrery` (shell examples and synopsis lines alike) is resolved against the CLI's own
 * command tree, so a renamed or removed flag, or a positional argument documented as a flag,
 * fails here instead of misleading a reader.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { createProgram } from '@orrery/cli';

/** commander's Command, as the CLI builds it (commander is the CLI's dependency, not the root's). */
type Command = ReturnType<typeof createProgram>;

const docsDir = new URL('../../docs/', import.meta.url);

interface Example {
  file: string;
  words: string[];
}

/** Where `orrery` starts a command in a line's words: first (after env assignments or `pnpm`), or right after a pipe. */
function orreryAt(words: readonly string[]): number {
  for (let i = 0; i < words.length; i += 1) {
    if (words[i] !== 'orrery') continue;
    const before = words.slice(0, i);
    if (before.every((word) => /^[A-Z_][A-Z0-9_]*=/.test(word) || word === 'pnpm')) return i;
    if (before[before.length - 1] === '|') return i;
  }
  return -1;
}

/** The words after `orrery` of every documented invocation; continuation lines joined, comments dropped. */
function examples(file: string, markdown: string): Example[] {
  const found: Example[] = [];
  for (const block of markdown.matchAll(/```(?:sh|bash|console)?\n([\s\S]*?)```/g)) {
    const text = block[1]!.replace(/\\\n\s*/g, ' ');
    for (const rawLine of text.split('\n')) {
      const line = rawLine.replace(/\s#.*$/, '').trim();
      const words = line.match(/'[^']*'|"[^"]*"|\S+/g) ?? [];
      const at = orreryAt(words);
      if (at < 0) continue;
      const rest = words
        .slice(at + 1)
        .flatMap((word) => word.split('|'))
        .map((word) => word.replace(/^[[(]+/, '').replace(/(\.\.\.)?[\])]*(\.\.\.)?$/, ''))
        .filter((word) => word !== '');
      found.push({ file, words: rest });
    }
  }
  return found;
}

function optionNames(command: Command): Set<string> {
  const names = new Set<string>();
  for (let at: Command | null = command; at !== null; at = at.parent) {
    for (const option of at.options) {
      if (option.long) names.add(option.long);
      if (option.short) names.add(option.short);
    }
  }
  names.add('--help');
  names.add('-h');
  return names;
}

const all = readdirSync(docsDir)
  .filter((name) => name.endsWith('.md'))
  .flatMap((name) => examples(name, readFileSync(new URL(name, docsDir), 'utf8')));

describe('orrery commands in docs/', () => {
  it('finds the documented commands', () => {
    expect(all.length).toBeGreaterThan(40);
    for (const file of ['cli.md', 'security.md', 'server.md']) expect(all.some((example) => example.file === file), file).toBe(true);
  });

  it.each(all.map((example) => [`${example.file}: orrery ${example.words.join(' ')}`, example] as const))('%s', (_shown, example) => {
    let command: Command = createProgram();
    let index = 0;
    // Global options (and their values) may come before the subcommand (`orrery --json users list`).
    while (index < example.words.length && example.words[index]!.startsWith('-')) {
      const option = command.options.find((o) => o.long === example.words[index] || o.short === example.words[index]);
      index += option?.required === true ? 2 : 1;
    }
    // The synopsis of the program itself (`orrery [options] <command>`) names no command.
    if (index < example.words.length && example.words[index]!.startsWith('<')) return;
    while (index < example.words.length) {
      const next = command.commands.find((sub) => sub.name() === example.words[index]);
      if (next === undefined) break;
      command = next;
      index += 1;
    }
    expect(command.name(), 'names no command').not.toBe('orrery');
    expect(command.commands.length, `orrery ${command.name()} needs a subcommand`).toBe(0);
    const known = optionNames(command);
    for (const word of example.words) {
      if (!/^--?[a-zA-Z]/.test(word)) continue;
      const flag = word.split('=')[0]!;
      expect(known.has(flag), `orrery ${command.name()} has no option ${flag}`).toBe(true);
    }
  });
});
