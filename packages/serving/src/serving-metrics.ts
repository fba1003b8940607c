/**
 * `/metrics` of the scoring server, in Prometheus' text format: request latency by route and
 * status, batch sizes, time queued before a batch left, the model version served and reloads.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export class ServingMetrics {
  readonly registry = new Registry();
  readonly requestSeconds = new Histogram({
    name: 'orrery_serving_request_duration_seconds',
    help: 'Time from a request read to its answer written, by route and status.',
    labelNames: ['route', 'status'] as const,
    buckets: [0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10],
    registers: [this.registry],
  });
  readonly batchSize = new Histogram({
    name: 'orrery_serving_batch_size',
    help: 'Requests sent to a worker thread together.',
    buckets: [1, 2, 4, 8, 16, 32, 64, 128],
    registers: [this.registry],
  });
  readonly queueSeconds = new Histogram({
    name: 'orrery_serving_queue_duration_seconds',
    help: 'Time a request waited before its batch went to a worker thread.',
    buckets: [0.00005, 0.0001, 0.0005, 0.001, 0.002, 0.005, 0.01, 0.05, 0.1, 1],
    registers: [this.registry],
  });
  readonly inFlight = new Gauge({
    name: 'orrery_serving_requests_in_flight',
    help: 'Requests read and not yet answered (this scrape included).',
    registers: [this.registry],
  });
  readonly modelVersion = new Gauge({
    name: 'orrery_serving_model_info',
    help: 'The model served (1 for the current one).',
    labelNames: ['name', 'version', 'flavor'] as const,
    registers: [this.registry],
  });
  readonly reloads = new Counter({
    name: 'orrery_serving_model_reloads_total',
    help: 'Models switched to after the registry alias moved, by outcome.',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: 'orrery_serving_' });
  }

  // Labelled children are looked up once per route and status, not hashed on every request.
  private readonly requestChildren = new Map<string, { observe(value: number): void }>();

  observeRequest(route: string, status: number, seconds: number): void {
    const key = `${route} ${status}`;
    let child = this.requestChildren.get(key);
    if (!child) {
      child = this.requestSeconds.labels({ route, status: String(status) });
      this.requestChildren.set(key, child);
    }
    child.observe(seconds);
  }

  recordBatch(size: number, queued: number[]): void {
    this.batchSize.observe(size);
    for (const q of queued) this.queueSeconds.observe(q);
  }
}
