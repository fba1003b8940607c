/** Parsers for option values; a bad value is a usage error (exit status 2). */
import { InvalidArgumentError } from 'commander';
import type { ViewType } from '@orrery/core';

export function parsePositiveInt(value: string): number {
  if (!/^\d+$/.test(value) || Number(value) < 1) throw new InvalidArgumentError('expected a positive integer.');
  return Number(value);
}

const VIEWS: Record<string, ViewType> = {
  active: 'ACTIVE_ONLY',
  active_only: 'ACTIVE_ONLY',
  deleted: 'DELETED_ONLY',
  deleted_only: 'DELETED_ONLY',
  all: 'ALL',
};

export function parseView(value: string): ViewType {
  const view = VIEWS[value.toLowerCase()];
  if (!view) throw new InvalidArgumentError('expected one of active, deleted, all.');
  return view;
}

/** Repeatable option that also splits on commas: `--experiment-id 1,2 --experiment-id 3`. */
export function collectList(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), ...value.split(',').map((v) => v.trim()).filter((v) => v !== '')];
}

/** Repeatable option kept whole (order-by clauses contain spaces, not commas). */
export function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

/** `--tag key=value`, repeatable. */
export function collectTag(value: string, previous: Record<string, string> | undefined): Record<string, string> {
  const eq = value.indexOf('=');
  if (eq <= 0) throw new InvalidArgumentError('expected key=value.');
  return { ...(previous ?? {}), [value.slice(0, eq)]: value.slice(eq + 1) };
}
