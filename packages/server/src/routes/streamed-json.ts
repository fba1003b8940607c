import type { Metric, TrackingStore } from '@orrery/core';
import { readWholeMetricHistory } from '@orrery/core';
import { writeMetricsJson } from '../wire/metric-json-writer.js';

/**
 * A response body written piece by piece instead of built whole: the route answers with this, and
 * the server sends the chunks as they come (backpressure included). The chunks concatenate to the
 * same JSON the response schema would have produced. Whatever can fail before the first byte (bad
 * input, a missing run) must fail before the stream is made, so it still gets an MLflow error
 * body; a store failure in the middle can only cut the response short (the client sees a broken
 * body, never a wrong one).
 */
export class StreamedJson {
  constructor(readonly chunks: AsyncIterable<string | Buffer>) {}
}

/**
 * get-metric-history without paging (what MLflow 2.x clients ask for): the whole history as one
 * `{"metrics":[...]}` body, written batch by batch as the store delivers them (stores that read
 * ahead fetch the next batch while this one is written). The first batch is awaited before
 * anything is sent, so a missing run or a bad key still gets an MLflow error body.
 */
export async function wholeMetricHistoryJson(store: TrackingStore, runId: string, metricKey: string): Promise<Record<string, unknown> | StreamedJson> {
  const batches = readWholeMetricHistory(store, runId, metricKey);
  const first = await batches.next();
  if (first.done) return {};
  return new StreamedJson(historyChunks(first.value, batches));
}

async function* historyChunks(first: Metric[], rest: AsyncGenerator<Metric[]>): AsyncGenerator<string | Buffer> {
  try {
    yield writeMetricsJson(first, '{"metrics":[');
    for await (const batch of rest) yield writeMetricsJson(batch, ',');
    yield ']}';
  } finally {
    // The client may leave mid-way: end the store's read (and its read-ahead) with the response.
    await rest.return(undefined);
  }
}
