/**
 * The server's Prometheus metrics (`GET /metrics`): requests by route and status, their latency,
 * requests in flight, failed store and artifact repository calls, and the process's memory, CPU
 * and event-loop delay, kept by prom-client. In a worker of `orrery server --workers N` a scrape
 * answers the sum over all workers, collected by the primary (see cluster-metrics.ts).
 */
import { isOrreryError } from '@orrery/core';
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { requestClusterMetrics, shareRegistriesWithPrimary } from './cluster-metrics.js';
import { processMetricsRegistry } from './process-metrics.js';

/** Media type of Prometheus's text exposition format (0.0.4). */
export const PROMETHEUS_CONTENT_TYPE = Registry.PROMETHEUS_CONTENT_TYPE;

/** Latency bucket bounds in seconds: sub-millisecond calls up to slow searches and big transfers. */
const LATENCY_BOUNDS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 120];

type RequestLabel = 'method' | 'route' | 'status';

/** Options of `ServerMetrics`. */
export interface ServerMetricsOptions {
  /**
   * This process is a worker whose cluster primary aggregates metrics: `render` answers the view
   * across every worker, and the primary's collection reads this server's registry.
   */
  clusterWorker?: boolean;
}

export class ServerMetrics {
  /** This server's own metrics; the process's metrics live in `processMetricsRegistry()`. */
  readonly registry = new Registry();
  private readonly requests: Counter<RequestLabel>;
  private readonly latency: Histogram<RequestLabel>;
  private readonly storeErrors: Counter<'store' | 'operation' | 'code'>;
  private inFlight = 0;
  private readonly clusterWorker: boolean;

  constructor(options: ServerMetricsOptions = {}) {
    const registers = [this.registry];
    this.requests = new Counter({
      name: 'orrery_http_requests_total',
      help: 'HTTP requests answered, by method, route pattern and status.',
      labelNames: ['method', 'route', 'status'],
      registers,
    });
    this.latency = new Histogram({
      name: 'orrery_http_request_duration_seconds',
      help: 'Time from receiving a request to sending the last byte of its response, by method, route pattern and status.',
      labelNames: ['method', 'route', 'status'],
      buckets: LATENCY_BOUNDS,
      registers,
    });
    const readInFlight = () => this.inFlight;
    new Gauge({
      name: 'orrery_http_requests_in_flight',
      help: 'Requests being handled now.',
      registers,
      collect() {
        this.set(readInFlight());
      },
    });
    this.storeErrors = new Counter({
      name: 'orrery_store_errors_total',
      help: 'Failed calls to the tracking store or an artifact repository, by store, operation and error code.',
      labelNames: ['store', 'operation', 'code'],
      registers,
    });
    this.clusterWorker = options.clusterWorker ?? false;
    if (this.clusterWorker) shareRegistriesWithPrimary([processMetricsRegistry(), this.registry]);
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
    const labels = { method, route, status: String(status) };
    this.requests.inc(labels);
    this.latency.observe(labels, seconds);
  }

  storeError(store: string, operation: string, error: unknown): void {
    this.storeErrors.inc({ store, operation, code: isOrreryError(error) ? error.code : 'INTERNAL_ERROR' });
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

  /**
   * The text a scrape answers: this process's and this server's metrics, or in a cluster worker
   * those of every worker together. Rejects when the cluster primary does not answer.
   */
  async render(): Promise<string> {
    if (this.clusterWorker) return requestClusterMetrics();
    return Registry.merge([processMetricsRegistry(), this.registry]).metrics();
  }
}
