/**
 * Fetches sampled metric histories for a chart through `get-history-bulk-interval` (the requests
 * `intervalQueries` plans), decoded with `@orrery/protocol`.
 */
import { messagesFromWire, runMetricFromWire } from '@orrery/protocol';
import type { OrreryApi } from '../api/orrery-api.js';
import type { RunSeries } from './metric-series.js';
import { seriesByRun } from './metric-series.js';
import { intervalQueries, type StepRange } from './sampling-window.js';

export async function loadSampledSeries(api: OrreryApi, runIds: readonly string[], metricKey: string, range: StepRange | undefined, points: number): Promise<RunSeries[]> {
  const answers = await Promise.all(
    intervalQueries(runIds, metricKey, range, points).map((query) => api.call('GET', 'mlflow/metrics/get-history-bulk-interval', { ...query })),
  );
  const metrics = answers.flatMap((body) => messagesFromWire(body.metrics).map(runMetricFromWire));
  return seriesByRun(runIds, metrics);
}
