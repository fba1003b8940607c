import type { ModelStage, ModelVersion, RegisteredModel } from '../entities/registry.js';
import type { DatasetInput, ExperimentTag, Metric, Param, Run, RunInfo, RunTag } from '../entities/tracking.js';

/**
 * What happened, one event per successful write, keyed by type. Payloads carry ids and what was
 * written (not the whole entity where the write was small), so a listener (webhooks, audit, a live
 * UI, cache invalidation) knows what changed without reading it back.
 */
export interface DomainEventMap {
  'experiment.created': { experimentId: string; name: string };
  'experiment.renamed': { experimentId: string; newName: string };
  'experiment.deleted': { experimentId: string };
  'experiment.restored': { experimentId: string };
  'experiment.tag_set': { experimentId: string; tag: ExperimentTag };
  'experiment.tag_deleted': { experimentId: string; key: string };

  'run.created': { run: Run };
  'run.updated': { runId: string; info: RunInfo };
  'run.deleted': { runId: string };
  'run.restored': { runId: string };
  'run.tag_set': { runId: string; tag: RunTag };
  'run.tag_deleted': { runId: string; key: string };
  'run.param_logged': { runId: string; param: Param };
  /** One event per call: a log-metric call carries one metric, a metrics-only log-batch all of them. */
  'metric.logged': { runId: string; metrics: Metric[] };
  /** A log-batch with params or tags (metrics-only batches are `metric.logged`). */
  'run.batch_logged': { runId: string; metrics: Metric[]; params: Param[]; tags: RunTag[] };
  'run.inputs_logged': { runId: string; datasets: DatasetInput[] };
  'run.model_logged': { runId: string; model: Record<string, unknown> };

  'registered_model.created': { model: RegisteredModel };
  'registered_model.renamed': { name: string; newName: string };
  'registered_model.updated': { model: RegisteredModel };
  'registered_model.deleted': { name: string };
  'registered_model.tag_set': { name: string; tag: { key: string; value: string } };
  'registered_model.tag_deleted': { name: string; key: string };
  'model_version.created': { version: ModelVersion };
  'model_version.updated': { version: ModelVersion };
  'model_version.deleted': { name: string; version: string };
  'model_version.tag_set': { name: string; version: string; tag: { key: string; value: string } };
  'model_version.tag_deleted': { name: string; version: string; key: string };
  'model_version.stage_transitioned': { version: ModelVersion; stage: ModelStage; archiveExistingVersions: boolean };
  'model_alias.set': { name: string; alias: string; version: string };
  'model_alias.deleted': { name: string; alias: string };
}

export type DomainEventType = keyof DomainEventMap;

/** One event as listeners of every type receive it. */
export type DomainEvent = { [K in DomainEventType]: { type: K; payload: DomainEventMap[K] } }[DomainEventType];

export type DomainEventListener<K extends DomainEventType> = (payload: DomainEventMap[K]) => void;

/** Where a listener's error goes by default: reported, never thrown at the writer. */
function reportListenerError(error: unknown, event: DomainEvent): void {
  console.error(`A listener of the domain event ${event.type} failed; the write itself succeeded.`, error);
}

/**
 * A small typed, synchronous event emitter. Services emit after the write has committed, so a
 * listener sees only writes that happened. A listener that throws does not undo the write nor
 * stop the other listeners: its error goes to `onListenerError` (by default printed to stderr;
 * the composition root passes one that logs), because the caller's write succeeded and must be
 * answered as such.
 */
export class DomainEvents {
  private readonly byType = new Map<DomainEventType, Set<(payload: never) => void>>();
  private readonly everything = new Set<(event: DomainEvent) => void>();

  constructor(private readonly onListenerError: (error: unknown, event: DomainEvent) => void = reportListenerError) {}

  /** Calls `listener` after every successful write of type `type`; returns the unsubscribe function. */
  on<K extends DomainEventType>(type: K, listener: DomainEventListener<K>): () => void {
    let listeners = this.byType.get(type);
    if (!listeners) this.byType.set(type, (listeners = new Set()));
    listeners.add(listener as (payload: never) => void);
    return () => void listeners.delete(listener as (payload: never) => void);
  }

  /** Calls `listener` after every successful write; returns the unsubscribe function. */
  onAny(listener: (event: DomainEvent) => void): () => void {
    this.everything.add(listener);
    return () => void this.everything.delete(listener);
  }

  /** Delivers one event to its listeners, in subscription order. */
  emit<K extends DomainEventType>(type: K, payload: DomainEventMap[K]): void {
    const event = { type, payload } as DomainEvent;
    for (const listener of this.byType.get(type) ?? []) this.deliver(() => (listener as DomainEventListener<K>)(payload), event);
    for (const listener of this.everything) this.deliver(() => listener(event), event);
  }

  private deliver(call: () => void, event: DomainEvent): void {
    try {
      call();
    } catch (error) {
      this.onListenerError(error, event);
    }
  }
}
