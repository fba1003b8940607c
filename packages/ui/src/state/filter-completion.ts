/**
 * Key completion for the runs filter box (MLflow's search grammar): after `metrics.`, `params.`,
 * `tags.` or `attributes.` it offers the keys seen on the loaded runs; for a bare word, the
 * prefixes themselves. Pure, so it is unit-tested.
 */
import { quoteKey, type RunKeys } from './runs-table-state.js';

export const SEARCHABLE_ATTRIBUTES = ['run_id', 'run_name', 'status', 'user_id', 'start_time', 'end_time', 'artifact_uri'] as const;

const PREFIXES = ['metrics.', 'params.', 'tags.', 'attributes.'] as const;

export interface Completion {
  /** What the token becomes. */
  text: string;
  /** Where the replaced token starts and ends in the filter text. */
  from: number;
  to: number;
}

/** The token being typed at `cursor`: from the last space, parenthesis or comparison before it. */
function tokenAt(text: string, cursor: number): { token: string; from: number } {
  let from = cursor;
  while (from > 0 && !/[\s()=<>!,]/.test(text[from - 1]!)) from -= 1;
  return { token: text.slice(from, cursor), from };
}

/** Suggestions for the token at `cursor` (at most `limit`). */
export function filterCompletions(text: string, cursor: number, keys: RunKeys, limit = 12): Completion[] {
  const { token, from } = tokenAt(text, cursor);
  if (token === '') return [];
  // A key typed with a backquote is matched without it.
  const dot = token.indexOf('.');
  if (dot > 0) {
    const prefix = token.slice(0, dot).toLowerCase();
    const partial = token.slice(dot + 1).replace(/^`/, '').toLowerCase();
    const candidates =
      prefix === 'metrics' || prefix === 'metric'
        ? keys.metrics
        : prefix === 'params' || prefix === 'param'
          ? keys.params
          : prefix === 'tags' || prefix === 'tag'
            ? keys.tags
            : prefix === 'attributes' || prefix === 'attribute' || prefix === 'attr'
              ? [...SEARCHABLE_ATTRIBUTES]
              : [];
    return candidates
      .filter((key) => key.toLowerCase().startsWith(partial) && `${token.slice(0, dot)}.${quoteKey(key)}` !== token)
      .slice(0, limit)
      .map((key) => ({ text: `${token.slice(0, dot)}.${quoteKey(key)}`, from, to: cursor }));
  }
  const lower = token.toLowerCase();
  return PREFIXES.filter((prefix) => prefix.startsWith(lower) && prefix !== lower).map((prefix) => ({ text: prefix, from, to: cursor }));
}

/** The filter text with `completion` applied, and where the cursor goes. */
export function applyCompletion(text: string, completion: Completion): { text: string; cursor: number } {
  const next = `${text.slice(0, completion.from)}${completion.text}${text.slice(completion.to)}`;
  return { text: next, cursor: completion.from + completion.text.length };
}
