import type { Metric, Page, TrackingStore } from '@orrery/core';
import { metricToWire } from '../wire/tracking-wire.js';

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
 * `{"metrics":[...]}` body, read page by page from the store. The next page is requested as soon
 * as the current one has arrived, so the database reads it while this page is serialized and sent;
 * memory holds about two pages whatever the history's length.
 */
export async function wholeMetricHistoryJson(store: TrackingStore, runId: string, metricKey: string): Promise<Record<string, unknown> | StreamedJson> {
  const first = await store.getMetricHistory(runId, metricKey);
  if (first.items.length === 0) return {};
  if (!first.nextPageToken) return { metrics: first.items.map(metricToWire) };
  return new StreamedJson(historyChunks(store, runId, metricKey, first.items, first.nextPageToken));
}

async function* historyChunks(
  store: TrackingStore,
  runId: string,
  metricKey: string,
  firstItems: Metric[],
  firstToken: string,
): AsyncGenerator<string> {
  let items: Metric[] = firstItems;
  let token: string | undefined = firstToken;
  let separator = '{"metrics":[';
  for (;;) {
    const next: Promise<Page<Metric>> | undefined = token ? store.getMetricHistory(runId, metricKey, { pageToken: token }) : undefined;
    // If the client goes away while this page is written, nobody awaits `next`: keep its failure
    // from becoming an unhandled rejection (the awaited path below still sees it).
    next?.catch(() => undefined);
    const json = JSON.stringify(items.map(metricToWire));
    yield separator + json.slice(1, -1);
    separator = ',';
    if (!next) break;
    const page: Page<Metric> = await next;
    items = page.items;
    token = page.nextPageToken || undefined;
    if (items.length === 0) break;
  }
  yield ']}';
}
