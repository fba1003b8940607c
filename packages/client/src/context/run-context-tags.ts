import type { Logger, RunContextProvider } from '@orrery/core';

/** A provider and the package it came from (for messages). */
export interface RunContextSource {
  provider: RunContextProvider;
  packageName: string;
}

/**
 * The tags a new run starts with: the tags of every provider that is in context, merged in the
 * order given (a later provider overrides an earlier one on the same key), then `userTags`, which
 * always win. A provider whose `inContext()` or `tags()` throws (or returns something that is not
 * a string map) is logged at warn level with its name and package, and skipped: it never stops a
 * run from starting. Non-string tag values from providers are converted with `String`.
 */
export async function resolveRunContextTags(
  sources: readonly RunContextSource[],
  userTags: Readonly<Record<string, string>>,
  logger: Logger,
): Promise<Record<string, string>> {
  const merged: Record<string, string> = {};
  for (const { provider, packageName } of sources) {
    try {
      if (!(await provider.inContext())) continue;
      const tags = await provider.tags();
      if (tags === null || typeof tags !== 'object') {
        throw new TypeError(`tags() returned ${tags === null ? 'null' : typeof tags}, not an object`);
      }
      for (const [key, value] of Object.entries(tags)) {
        if (value !== undefined && value !== null) merged[key] = String(value);
      }
    } catch (error) {
      logger.warn(
        { err: error, provider: provider.name, packageName },
        `run-context provider '${provider.name}' from package ${packageName} failed and was skipped: ${
          error instanceof Error ? error.message : String(error)
        }`,
      );
    }
  }
  return { ...merged, ...userTags };
}
