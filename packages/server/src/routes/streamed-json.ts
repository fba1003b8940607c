import type { Metric, TrackingStore } from '@orrery/core';
import { readWholeMetricHistory } from '@orrery/core';
import { wireDouble } from '../wire/tracking-wire.js';

/**
 * A response body written piece by piece instead of built whole: the route answers with this, and
 * the server sends the chunks as they come (backpressure included). The chunks concatenate to the
 * same JSON the response schema would have produced. Whatever can fail before the first byte (bad
 * input, a missing run) must fail before the stream is made, so it still gets an MLflow error
 * body; a store failure in the middle can only cut the response short (the client sees a broken
 * body, never a wrong one).
 */
export class StreamedJson {
  constructor(readonly chunks: AsyncIterable<string>) {}
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

async function* historyChunks(first: Metric[], rest: AsyncGenerator<Metric[]>): AsyncGenerator<string> {
  try {
    yield metricsJson(first, '{"metrics":[');
    for await (const batch of rest) yield metricsJson(batch, ',');
    yield ']}';
  } finally {
    // The client may leave mid-way: end the store's read (and its read-ahead) with the response.
    await rest.return(undefined);
  }
}

/**
 * `items` as the members of MLflow's metrics list, preceded by `separator`: the text
 * `JSON.stringify(items.map(metricToWire))` has between its brackets, written without building
 * the wire objects (for a million points those objects cost more than the text).
 */
function metricsJson(items: readonly Metric[], separator: string): string {
  let out = '';
  let lastKey: string | undefined;
  let keyJson = '';
  for (let i = 0; i < items.length; i++) {
    const m = items[i]!;
    if (m.key !== lastKey) {
      lastKey = m.key;
      keyJson = JSON.stringify(m.key);
    }
    const value = Number.isFinite(m.value) ? String(m.value) : JSON.stringify(wireDouble(m.value));
    out += `${i === 0 ? separator : ','}{"key":${keyJson},"value":${value},"timestamp":${m.timestamp},"step":${m.step}}`;
  }
  return out;
}
