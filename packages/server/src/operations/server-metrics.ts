/**
 * The server's Prometheus metrics (`GET /metrics`): requests by route and status, their latency,
 * requests in flight, failed store and artifact repository calls, and the process's memory, CPU
 * and event-loop delay. Each process keeps its own: with `--workers N`, a scrape reads the worker
 * that happens to take the connection (see docs/server.md).
 */
import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';
import { isOrreryError } from '@orrery/core';
import { Counter, Gauge, Histogram, PrometheusRegistry } from './prometheus-registry.js';

/** Latency bucket bounds in seconds: sub-millisecond calls up to slow searches and big transfers. */
const LATENCY_BOUNDS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 120];

export class ServerMetrics {
  readonly registry = new PrometheusRegistry();
  private readonly requests: Counter;
  private readonly latency: Histogram;
  private readonly storeErrors: Counter;
  private inFlight = 0;
  private readonly loopDelay: IntervalHistogram;
  private loopSnapshot = { mean: 0, p50: 0, p99: 0, max: 0 };

  constructor() {
    const registry = this.registry;
    this.requests = registry.add(
      new Counter('orrery_http_requests_total', 'HTTP requests answered, by method, route pattern and status.', ['method', 'route', 'status']),
    );
    this.latency = registry.add(
      new Histogram(
        'orrery_http_request_duration_seconds',
        'Time from receiving a request to sending the last byte of its response, by method, route pattern and status.',
        ['method', 'route', 'status'],
        LATENCY_BOUNDS,
      ),
    );
    registry.add(new Gauge('orrery_http_requests_in_flight', 'Requests being handled now.', () => this.inFlight));
    this.storeErrors = registry.add(
      new Counter(
        'orrery_store_errors_total',
        'Failed calls to the tracking store or an artifact repository, by store, operation and error code.',
        ['store', 'operation', 'code'],
      ),
    );
    registry.add(new Gauge('process_resident_memory_bytes', 'Resident set size in bytes.', () => process.memoryUsage.rss()));
    registry.add(new Gauge('nodejs_heap_size_used_bytes', 'V8 heap in use, in bytes.', () => process.memoryUsage().heapUsed));
    registry.add(new Gauge('nodejs_heap_size_total_bytes', 'V8 heap reserved, in bytes.', () => process.memoryUsage().heapTotal));
    registry.add(new Gauge('nodejs_external_memory_bytes', 'Memory of buffers and other objects outside the V8 heap, in bytes.', () => process.memoryUsage().external));
    registry.add(
      new Gauge(
        'process_cpu_seconds_total',
        'User and system CPU time spent, in seconds.',
        () => {
          const usage = process.cpuUsage();
          return (usage.user + usage.system) / 1e6;
        },
        'counter',
      ),
    );
    const started = Math.round(Date.now() / 1000 - process.uptime());
    registry.add(new Gauge('process_start_time_seconds', 'Start time of the process since the epoch, in seconds.', () => started));

    // Event-loop delay, sampled every 10 ms and reported over the interval since the last scrape.
    this.loopDelay = monitorEventLoopDelay({ resolution: 10 });
    this.loopDelay.enable();
    const seconds = (nanoseconds: number) => (Number.isFinite(nanoseconds) ? nanoseconds / 1e9 : 0);
    registry.onRender(
      () => {
        const h = this.loopDelay;
        this.loopSnapshot = h.count > 0 ? { mean: seconds(h.mean), p50: seconds(h.percentile(50)), p99: seconds(h.percentile(99)), max: seconds(h.max) } : { mean: 0, p50: 0, p99: 0, max: 0 };
      },
      () => this.loopDelay.reset(),
    );
    registry.add(new Gauge('nodejs_eventloop_lag_mean_seconds', 'Mean event-loop delay since the previous scrape, in seconds.', () => this.loopSnapshot.mean));
    registry.add(new Gauge('nodejs_eventloop_lag_p50_seconds', 'Median event-loop delay since the previous scrape, in seconds.', () => this.loopSnapshot.p50));
    registry.add(new Gauge('nodejs_eventloop_lag_p99_seconds', '99th percentile of the event-loop delay since the previous scrape, in seconds.', () => this.loopSnapshot.p99));
    registry.add(new Gauge('nodejs_eventloop_lag_max_seconds', 'Longest event-loop delay since the previous scrape, in seconds.', () => this.loopSnapshot.max));
  }

  requestStarted(): void {
    this.inFlight += 1;
  }

  /** The response is done (sent, or its client went away). */
  requestEnded(): void {
    this.inFlight -= 1;
  }

  /** Records an answered request; `route` is the route pattern, never the raw URL (bounded label values). */
  requestAnswered(method: string, route: string, status: number, seconds: number): void {
    const labels = [method, route, String(status)];
    this.requests.inc(labels);
    this.latency.observe(labels, seconds);
  }

  storeError(store: string, operation: string, error: unknown): void {
    this.storeErrors.inc([store, operation, isOrreryError(error) ? error.code : 'INTERNAL_ERROR']);
  }

  /**
   * Wraps a store or repository so that every failed call (a rejected promise or a throw) is
   * counted under its method name. The object's behaviour is otherwise unchanged.
   */
  instrument<T extends object>(target: T, store: string): T {
    const wrapped = new Map<PropertyKey, unknown>();
    const failed = (operation: string, error: unknown) => this.storeError(store, operation, error);
    return new Proxy(target, {
      get(object, property) {
        const value: unknown = Reflect.get(object, property, object);
        if (typeof value !== 'function') return value;
        let wrapper = wrapped.get(property);
        if (wrapper === undefined) {
          const operation = String(property);
          wrapper = function (...args: unknown[]): unknown {
            let result: unknown;
            try {
              result = (value as (...a: unknown[]) => unknown).apply(object, args);
            } catch (error) {
              failed(operation, error);
              throw error;
            }
            if (result instanceof Promise) {
              return result.catch((error: unknown) => {
                failed(operation, error);
                throw error;
              });
            }
            return result;
          };
          wrapped.set(property, wrapper);
        }
        return wrapper;
      },
    });
  }

  render(): string {
    return this.registry.render();
  }

  close(): void {
    this.loopDelay.disable();
  }
}
