import type { Run } from '@orrery/core';

function cell(value: string | number | null | undefined): string {
  if (value === null || value === undefined) return '';
  const text = String(value);
  return /[",\n\r]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/**
 * Runs as CSV, one row each, with the columns `mlflow experiments csv` writes: run_id,
 * experiment_id, status, artifact_uri, start_time, end_time (ISO 8601), then `params.<key>`,
 * `metrics.<key>` (latest value) and `tags.<key>` for every key any run has, sorted.
 */
export function runsCsv(runs: readonly Run[]): string {
  const keys = (pick: (run: Run) => { key: string }[]) => [...new Set(runs.flatMap((r) => pick(r).map((x) => x.key)))].sort();
  const params = keys((r) => r.data.params);
  const metrics = keys((r) => r.data.metrics);
  const tags = keys((r) => r.data.tags);
  const header = [
    'run_id', 'experiment_id', 'status', 'artifact_uri', 'start_time', 'end_time',
    ...params.map((k) => `params.${k}`), ...metrics.map((k) => `metrics.${k}`), ...tags.map((k) => `tags.${k}`),
  ];
  const iso = (ms: number | null) => (ms === null ? '' : new Date(ms).toISOString());
  const rows = runs.map((r) => {
    const value = <T extends { key: string }>(list: T[], key: string, get: (item: T) => string | number) => {
      const found = list.find((x) => x.key === key);
      return found === undefined ? '' : get(found);
    };
    return [
      r.info.runId, r.info.experimentId, r.info.status, r.info.artifactUri, iso(r.info.startTime), iso(r.info.endTime),
      ...params.map((k) => value(r.data.params, k, (p) => p.value)),
      ...metrics.map((k) => value(r.data.metrics, k, (m) => m.value)),
      ...tags.map((k) => value(r.data.tags, k, (t) => t.value)),
    ];
  });
  return [header, ...rows].map((row) => row.map(cell).join(',')).join('\n') + '\n';
}
