/**
 * Model registry entities to and from MLflow's JSON form (model_registry.proto as MLflow's server
 * prints it): snake_case names, int64 timestamps as JSON numbers, the status enum by name,
 * optional fields left out when unset and empty repeated fields left out. Field order follows the
 * proto field numbers. The readers are tolerant as protobuf readers are: absent repeated fields
 * are empty, int64 values may be strings, the status enum may be a name or a number.
 */
import type { ModelStage, ModelVersion, ModelVersionStatus, RegisteredModel } from '@orrery/core';
import { MODEL_VERSION_STATUS_NAMES } from './registry-messages.js';
import {
  int64FromWire,
  keyValuesFromWire,
  keyValuesToWire,
  messagesFromWire,
  optionalTextFromWire,
  putDefined,
  putList,
  type WireMessage,
} from './wire-values.js';

/** MLflow's `ModelVersion` message. */
export function modelVersionToWire(version: ModelVersion): WireMessage {
  const wire: WireMessage = {
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
  putList(wire, 'tags', keyValuesToWire(version.tags));
  putDefined(wire, 'run_link', version.runLink);
  putList(wire, 'aliases', [...version.aliases]);
  return wire;
}

function statusFromWire(value: unknown): ModelVersionStatus {
  if (typeof value === 'number') return MODEL_VERSION_STATUS_NAMES[value - 1] ?? 'READY';
  return typeof value === 'string' && value !== '' ? (value as ModelVersionStatus) : 'READY';
}

export function modelVersionFromWire(wire: WireMessage): ModelVersion {
  const version: ModelVersion = {
    name: optionalTextFromWire(wire.name) ?? '',
    version: optionalTextFromWire(wire.version) ?? '',
    creationTimestamp: int64FromWire(wire.creation_timestamp),
    lastUpdatedTimestamp: int64FromWire(wire.last_updated_timestamp, int64FromWire(wire.creation_timestamp)),
    currentStage: (optionalTextFromWire(wire.current_stage) || 'None') as ModelStage,
    source: optionalTextFromWire(wire.source) ?? '',
    status: statusFromWire(wire.status),
    tags: keyValuesFromWire(wire.tags),
    aliases: Array.isArray(wire.aliases) ? wire.aliases.map((alias) => String(alias)) : [],
  };
  const userId = optionalTextFromWire(wire.user_id);
  if (userId !== undefined) version.userId = userId;
  const description = optionalTextFromWire(wire.description);
  if (description !== undefined) version.description = description;
  const runId = optionalTextFromWire(wire.run_id);
  if (runId) version.runId = runId;
  const runLink = optionalTextFromWire(wire.run_link);
  if (runLink) version.runLink = runLink;
  const statusMessage = optionalTextFromWire(wire.status_message);
  if (statusMessage) version.statusMessage = statusMessage;
  return version;
}

/** MLflow's `RegisteredModel` message, with the latest version per stage. */
export function registeredModelToWire(model: RegisteredModel): WireMessage {
  const wire: WireMessage = {
    name: model.name,
    creation_timestamp: model.creationTimestamp,
  };
  putDefined(wire, 'last_updated_timestamp', model.lastUpdatedTimestamp);
  putDefined(wire, 'user_id', model.userId);
  putDefined(wire, 'description', model.description);
  putList(wire, 'latest_versions', model.latestVersions.map(modelVersionToWire));
  putList(wire, 'tags', keyValuesToWire(model.tags));
  putList(wire, 'aliases', model.aliases.map((alias) => ({ alias: alias.alias, version: alias.version })));
  return wire;
}

export function registeredModelFromWire(wire: WireMessage): RegisteredModel {
  const model: RegisteredModel = {
    name: optionalTextFromWire(wire.name) ?? '',
    creationTimestamp: int64FromWire(wire.creation_timestamp),
    lastUpdatedTimestamp: int64FromWire(wire.last_updated_timestamp, int64FromWire(wire.creation_timestamp)),
    latestVersions: messagesFromWire(wire.latest_versions).map(modelVersionFromWire),
    tags: keyValuesFromWire(wire.tags),
    aliases: messagesFromWire(wire.aliases).map((item) => ({
      alias: optionalTextFromWire(item.alias) ?? '',
      version: optionalTextFromWire(item.version) ?? '',
    })),
  };
  const userId = optionalTextFromWire(wire.user_id);
  if (userId !== undefined) model.userId = userId;
  const description = optionalTextFromWire(wire.description);
  if (description !== undefined) model.description = description;
  return model;
}
