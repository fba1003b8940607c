/**
 * Params (and latest metrics) of several runs side by side: one row per key, one cell per run,
 * marked where the runs disagree. Pure functions: unit-tested in `test/charts/`.
 */

export interface KeyedValues {
  runId: string;
  values: ReadonlyMap<string, string>;
}

export interface DifferenceRow {
  key: string;
  /** One cell per run, in the runs' order; undefined where the run has no such key. */
  cells: (string | undefined)[];
  /** True when two runs hold different values (a missing key counts as a value). */
  differs: boolean;
}

/** Rows for every key any run has, sorted by key; `onlyDifferences` keeps the rows that differ. */
export function differenceRows(runs: readonly KeyedValues[], onlyDifferences = false): DifferenceRow[] {
  const keys = new Set<string>();
  for (const run of runs) for (const key of run.values.keys()) keys.add(key);
  const rows = [...keys].sort().map((key) => {
    const cells = runs.map((run) => run.values.get(key));
    return { key, cells, differs: new Set(cells).size > 1 };
  });
  return onlyDifferences ? rows.filter((row) => row.differs) : rows;
}
