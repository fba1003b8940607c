/** The experiments search filter for what a person typed in the search box: a case-insensitive name match. */
export function experimentNameFilter(text: string): string | undefined {
  const trimmed = text.trim();
  if (trimmed === '') return undefined;
  // LIKE's own wildcards and the quote are escaped so the text is matched as typed.
  const escaped = trimmed.replace(/\\/g, '\\\\').replace(/([%_])/g, '\\$1').replace(/'/g, "\\'");
  return `name ILIKE '%${escaped}%'`;
}
