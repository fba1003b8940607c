import type { ModelStage } from '../entities/registry.js';
import { canonicalModelStage } from '../validation/registry-validation.js';

/** Which version a `models:/` URI names, as registry stores resolve a new version's source. */
export type ModelVersionReference =
  | { name: string; kind: 'version'; version: number }
  | { name: string; kind: 'stage'; stage: ModelStage }
  | { name: string; kind: 'alias'; alias: string }
  | { name: string; kind: 'latest' };

/**
 * Reads `models:/<name>/<version>`, `models:/<name>/<stage>`, `models:/<name>/latest` and
 * `models:/<name>@<alias>`; anything else (another scheme, a path below the version) is
 * `undefined`, and the store keeps such a source as given. An unknown stage is
 * INVALID_PARAMETER_VALUE.
 */
export function parseModelVersionReference(uri: string): ModelVersionReference | undefined {
  const match = /^models:\/([^/]+?)(?:\/([^/]+))?\/?$/.exec(uri);
  if (!match) return undefined;
  const head = match[1]!;
  const tail = match[2];
  if (tail === undefined) {
    const at = head.lastIndexOf('@');
    return at > 0 ? { name: head.slice(0, at), kind: 'alias', alias: head.slice(at + 1) } : undefined;
  }
  if (/^[0-9]+$/.test(tail)) return { name: head, kind: 'version', version: Number(tail) };
  if (tail.toLowerCase() === 'latest') return { name: head, kind: 'latest' };
  return { name: head, kind: 'stage', stage: canonicalModelStage(tail, 'source') };
}
