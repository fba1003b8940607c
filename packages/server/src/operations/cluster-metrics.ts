/**
 * One `/metrics` view across `orrery server --workers N`. The workers share the listening port,
 * so a scrape reaches whichever worker takes the connection; that worker asks the primary over
 * the cluster's IPC channel, the primary collects every worker's metrics with prom-client's
 * `AggregatorRegistry` (counters and histograms summed, gauges by each metric's aggregator) and
 * sends the text back. The scrape therefore still passes the worker's routes, auth included.
 */
import cluster from 'node:cluster';
import { randomUUID } from 'node:crypto';
import { AggregatorRegistry, type Registry } from 'prom-client';

/**
 * Set by the primary in the environment of the workers it forks: only a worker whose primary
 * runs `answerClusterMetricsRequests` may wait for an answer (an embedding application's own
 * cluster would never reply).
 */
export const CLUSTER_METRICS_ENV = 'ORRERY_CLUSTER_METRICS';

const REQUEST = 'orrery:cluster-metrics-request';
const RESPONSE = 'orrery:cluster-metrics-response';

/** How long a worker waits for the primary; prom-client gives each worker 5 s to answer it. */
const REPLY_TIMEOUT_MS = 10_000;

interface MetricsRequest {
  type: typeof REQUEST;
  id: string;
}

interface MetricsResponse {
  type: typeof RESPONSE;
  id: string;
  text?: string;
  error?: string;
}

function isMessage<T extends { type: string }>(message: unknown, type: T['type']): message is T {
  return typeof message === 'object' && message !== null && (message as { type?: unknown }).type === type;
}

/**
 * In the primary: answers the workers' requests for the aggregated metrics. Returns a function
 * that stops answering.
 */
export function answerClusterMetricsRequests(): () => void {
  const aggregator = new AggregatorRegistry();
  const onMessage = (worker: { send(message: MetricsResponse): boolean; isConnected(): boolean }, message: unknown) => {
    if (!isMessage<MetricsRequest>(message, REQUEST)) return;
    const reply = (response: Omit<MetricsResponse, 'type' | 'id'>) => {
      if (worker.isConnected()) worker.send({ type: RESPONSE, id: message.id, ...response });
    };
    aggregator.clusterMetrics().then(
      (text) => reply({ text }),
      (error: unknown) => reply({ error: error instanceof Error ? error.message : String(error) }),
    );
  };
  cluster.on('message', onMessage);
  return () => cluster.off('message', onMessage);
}

/**
 * In a worker: from now on the primary's collection reads these registries (the process's and
 * the server's), instead of prom-client's global one.
 */
export function shareRegistriesWithPrimary(registries: Registry[]): void {
  AggregatorRegistry.setRegistries(registries);
  // prom-client adds the worker's listener for the primary's collection requests in this constructor.
  new AggregatorRegistry();
}

/** In a worker started by `orrery server --workers N`: whether the primary aggregates metrics. */
export function primaryAggregatesMetrics(env: NodeJS.ProcessEnv = process.env): boolean {
  return cluster.isWorker && env[CLUSTER_METRICS_ENV] === '1';
}

/** In a worker: the metrics of every worker, as Prometheus text, from the primary. */
export function requestClusterMetrics(timeoutMs = REPLY_TIMEOUT_MS): Promise<string> {
  const send = process.send?.bind(process);
  if (send === undefined) return Promise.reject(new Error('this process has no cluster primary to ask for metrics'));
  const id = randomUUID();
  return new Promise((resolve, reject) => {
    const onMessage = (message: unknown) => {
      if (!isMessage<MetricsResponse>(message, RESPONSE) || message.id !== id) return;
      finish();
      if (message.text !== undefined) resolve(message.text);
      else reject(new Error(`the cluster primary could not collect the workers' metrics: ${message.error ?? 'no reason given'}`));
    };
    const timer = setTimeout(() => {
      finish();
      reject(new Error(`the cluster primary did not send the workers' metrics within ${timeoutMs} ms`));
    }, timeoutMs);
    const finish = () => {
      clearTimeout(timer);
      process.off('message', onMessage);
    };
    process.on('message', onMessage);
    send({ type: REQUEST, id } satisfies MetricsRequest);
  });
}
