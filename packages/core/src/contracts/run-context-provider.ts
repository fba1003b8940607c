/**
 * Adds tags to a run when it starts, describing where it runs (user, source, git, host, CI, ...).
 * Providers are discovered from installed plugins; their tags are merged in discovery order and
 * tags passed by the user always win. A provider that throws is logged with its package name and
 * skipped: it never stops a run from starting.
 */
export interface RunContextProvider {
  /** Short unique name, e.g. `git`. */
  readonly name: string;
  /** Whether this provider applies in the current process. */
  inContext(): boolean | Promise<boolean>;
  /** The tags to add; only called when `inContext()` is true. */
  tags(): Record<string, string> | Promise<Record<string, string>>;
}
