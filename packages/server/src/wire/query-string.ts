/**
 * Query strings as MLflow's server reads them: every parameter may repeat (`run_ids=a&run_ids=b`),
 * and the bracket forms some clients send for lists (`experiment_ids[]=0`, `experiment_ids[0]=0`)
 * name the same field as the bare name.
 */
const LIST_SUFFIX = /\[\d*\]$/;

/** Parses a raw query string (without `?`) into `name -> every value`, in order. */
export function parseQueryString(query: string): Record<string, string[]> {
  const result: Record<string, string[]> = Object.create(null) as Record<string, string[]>;
  if (query === '') return result;
  for (const [rawName, value] of new URLSearchParams(query)) {
    const name = rawName.replace(LIST_SUFFIX, '');
    const values = result[name];
    if (values) values.push(value);
    else result[name] = [value];
  }
  return result;
}
