/**
 * SQL LIKE matching as MLflow's filters use it: `%` matches any run of characters (also none),
 * `_` exactly one character, everything else itself. There is no escape character, so `%` and
 * `_` are always wildcards. Characters are Unicode code points, as in SQL databases.
 */

function sameCharacter(a: string, b: string, caseInsensitive: boolean): boolean {
  if (a === b) return true;
  return caseInsensitive && (a.toLowerCase() === b.toLowerCase() || a.toUpperCase() === b.toUpperCase());
}

/**
 * Whether `value` matches the LIKE `pattern` over its whole length; ILIKE when `caseInsensitive`.
 * Linear-space and at worst O(value × pattern) time, whatever the pattern: no regular expression
 * is built, so a pattern such as `%_%_%_%` cannot blow up.
 */
export function compareLike(value: string, pattern: string, caseInsensitive: boolean): boolean {
  const text = Array.from(value);
  const wild = Array.from(pattern);
  let t = 0;
  let w = 0;
  // Where the latest `%` is in the pattern and where in the text its current match ends.
  let starAt = -1;
  let starText = 0;
  while (t < text.length) {
    const p = wild[w];
    if (p !== undefined && p !== '%' && (p === '_' || sameCharacter(p, text[t] as string, caseInsensitive))) {
      t += 1;
      w += 1;
    } else if (p === '%') {
      starAt = w;
      starText = t;
      w += 1;
    } else if (starAt >= 0) {
      // Let the latest `%` swallow one more character and retry from there.
      starText += 1;
      t = starText;
      w = starAt + 1;
    } else {
      return false;
    }
  }
  while (wild[w] === '%') w += 1;
  return w === wild.length;
}
