/**
 * Model registry entities in MLflow's JSON form (model_registry.proto as MLflow's server prints
 * it): snake_case names, int64 timestamps as JSON numbers, the status enum by name, optional
 * fields left out when unset and empty repeated fields left out. Field order follows the proto
 * field numbers.
 */
import type { ModelVersion, RegisteredModel } from '@orrery/core';

type Json = Record<string, unknown>;

function putDefined(target: Json, name: string, value: unknown): void {
  if (value !== undefined && value !== null) target[name] = value;
}

function putList(target: Json, name: string, list: unknown[]): void {
  if (list.length > 0) target[name] = list;
}

/** MLflow's `ModelVersion` message. */
export function modelVersionToWire(version: ModelVersion): Json {
  const wire: Json = {
    name: version.name,
    version: version.version,
    creation_timestamp: version.creationTimestamp,
  };
  putDefined(wire, 'last_updated_timestamp', version.lastUpdatedTimestamp);
  putDefined(wire, 'user_id', version.userId);
  wire.current_stage = version.currentStage;
  putDefined(wire, 'description', version.description);
  wire.source = version.source;
  putDefined(wire, 'run_id', version.runId);
  wire.status = version.status;
  // MLflow prints the status message only when it says something.
  if (version.statusMessage) wire.status_message = version.statusMessage;
  putList(wire, 'tags', version.tags.map((tag) => ({ key: tag.key, value: tag.value })));
  putDefined(wire, 'run_link', version.runLink);
  putList(wire, 'aliases', [...version.aliases]);
  return wire;
}

/** MLflow's `RegisteredModel` message, with the latest version per stage. */
export function registeredModelToWire(model: RegisteredModel): Json {
  const wire: Json = {
    name: model.name,
    creation_timestamp: model.creationTimestamp,
  };
  putDefined(wire, 'last_updated_timestamp', model.lastUpdatedTimestamp);
  putDefined(wire, 'user_id', model.userId);
  putDefined(wire, 'description', model.description);
  putList(wire, 'latest_versions', model.latestVersions.map(modelVersionToWire));
  putList(wire, 'tags', model.tags.map((tag) => ({ key: tag.key, value: tag.value })));
  putList(wire, 'aliases', model.aliases.map((alias) => ({ alias: alias.alias, version: alias.version })));
  return wire;
}
