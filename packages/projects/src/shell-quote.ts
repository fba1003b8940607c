/**
 * Quotes a value for a POSIX shell the way Python's `shlex.quote` does, because MLflow builds an
 * entry point's command with it and stores parameters in that quoted form: words made only of
 * safe characters stay as they are, anything else is wrapped in single quotes.
 */
export function shellQuote(value: string): string {
  if (value === '') return "''";
  if (/^[\w@%+=:,./-]+$/.test(value)) return value;
  return `'${value.replaceAll("'", `'"'"'`)}'`;
}
