import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';
import { Counter, Gauge, Registry } from 'prom-client';

let shared: Registry | undefined;

/** Event-loop delay figures of one scrape interval, in seconds. */
interface LoopDelaySnapshot {
  mean: number;
  p50: number;
  p99: number;
  max: number;
}

const NO_DELAY: LoopDelaySnapshot = { mean: 0, p50: 0, p99: 0, max: 0 };

function seconds(nanoseconds: number): number {
  return Number.isFinite(nanoseconds) ? nanoseconds / 1e9 : 0;
}

/**
 * The process's own metrics (memory, CPU, start time, event-loop delay), in one registry per
 * process: every server in the process would show the same figures, and the event-loop monitor
 * runs once. prom-client's `collectDefaultMetrics` is not used because for a scrape interval
 * without a sample it reports a mean of NaN (printed `Nan`) and a minimum of 9.2e9 s; these
 * collectors report 0 then. Each metric names how a cluster's view combines the workers' values.
 */
export function processMetricsRegistry(): Registry {
  if (shared !== undefined) return shared;
  const registry = new Registry();
  const registers = [registry];
  const memoryGauge = (name: string, help: string, read: () => number) =>
    new Gauge({
      name,
      help,
      registers,
      aggregator: 'sum',
      collect() {
        this.set(read());
      },
    });
  memoryGauge('process_resident_memory_bytes', 'Resident set size in bytes.', () => process.memoryUsage.rss());
  memoryGauge('nodejs_heap_size_used_bytes', 'V8 heap in use, in bytes.', () => process.memoryUsage().heapUsed);
  memoryGauge('nodejs_heap_size_total_bytes', 'V8 heap reserved, in bytes.', () => process.memoryUsage().heapTotal);
  memoryGauge('nodejs_external_memory_bytes', 'Memory of buffers and other objects outside the V8 heap, in bytes.', () => process.memoryUsage().external);
  new Counter({
    name: 'process_cpu_seconds_total',
    help: 'User and system CPU time spent, in seconds.',
    registers,
    aggregator: 'sum',
    collect() {
      const usage = process.cpuUsage();
      this.reset();
      this.inc((usage.user + usage.system) / 1e6);
    },
  });
  const started = Math.round(Date.now() / 1000 - process.uptime());
  new Gauge({
    name: 'process_start_time_seconds',
    help: 'Start time of the process since the epoch, in seconds (of the earliest worker, across workers).',
    registers,
    aggregator: 'min',
    collect() {
      this.set(started);
    },
  });

  // Sampled every 10 ms and reported over the interval since the previous scrape. The mean gauge
  // is registered first, so its collect takes the snapshot (and resets the monitor) before the
  // other three read it in the same collection.
  const loopDelay: IntervalHistogram = monitorEventLoopDelay({ resolution: 10 });
  loopDelay.enable();
  let snapshot = NO_DELAY;
  new Gauge({
    name: 'nodejs_eventloop_lag_mean_seconds',
    help: 'Mean event-loop delay since the previous scrape, in seconds (averaged across workers).',
    registers,
    aggregator: 'average',
    collect() {
      snapshot =
        loopDelay.count > 0
          ? { mean: seconds(loopDelay.mean), p50: seconds(loopDelay.percentile(50)), p99: seconds(loopDelay.percentile(99)), max: seconds(loopDelay.max) }
          : NO_DELAY;
      loopDelay.reset();
      this.set(snapshot.mean);
    },
  });
  const delayGauge = (name: string, help: string, aggregator: 'average' | 'max', read: () => number) =>
    new Gauge({
      name,
      help,
      registers,
      aggregator,
      collect() {
        this.set(read());
      },
    });
  delayGauge('nodejs_eventloop_lag_p50_seconds', 'Median event-loop delay since the previous scrape, in seconds (averaged across workers).', 'average', () => snapshot.p50);
  delayGauge('nodejs_eventloop_lag_p99_seconds', '99th percentile of the event-loop delay since the previous scrape, in seconds (averaged across workers).', 'average', () => snapshot.p99);
  delayGauge('nodejs_eventloop_lag_max_seconds', 'Longest event-loop delay since the previous scrape, in seconds (the largest across workers).', 'max', () => snapshot.max);
  shared = registry;
  return registry;
}
