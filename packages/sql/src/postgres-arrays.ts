/**
 * PostgreSQL array literals (`{...}`) built for binding as ONE text parameter that the statement
 * casts (`CAST($n AS float8[])`), so a batch of any size is one statement with a fixed text. The
 * driver's generic array encoder quotes and escapes every element, numbers included; these write
 * each number once and escape each distinct string once, which matters on the log-batch path
 * (1000 metrics over a few keys).
 */

/**
 * Numbers in their shortest round-trip form, which PostgreSQL's `float8` and `int8` inputs read
 * back exactly; `Infinity`, `-Infinity` and `NaN` are spelled as PostgreSQL spells them.
 */
export function postgresNumberArray(values: readonly number[]): string {
  return `{${values.join(',')}}`;
}

/**
 * Strings, each double-quoted with `"` and `\` escaped: inside quotes nothing else is special
 * (commas, braces, spaces, `NULL`), so every element is read back unchanged.
 */
export function postgresTextArray(values: readonly string[]): string {
  const quoted = new Map<string, string>();
  let text = '{';
  for (let i = 0; i < values.length; i++) {
    const value = values[i]!;
    let element = quoted.get(value);
    if (element === undefined) quoted.set(value, (element = `"${value.replace(/["\\]/g, '\\$&')}"`));
    text += i === 0 ? element : `,${element}`;
  }
  return `${text}}`;
}
