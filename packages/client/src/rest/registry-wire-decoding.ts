/**
 * MLflow's registry JSON (model_registry.proto) back into core entities, tolerant as protobuf
 * readers are: absent repeated fields are empty, int64 values may be numbers or strings, the
 * status enum may be a name or a number.
 */
import type { ModelStage, ModelVersion, ModelVersionStatus, RegisteredModel } from '@orrery/core';
import { int64 } from './tracking-wire-decoding.js';

type Json = Record<string, unknown>;

const STATUS_BY_NUMBER: Record<number, ModelVersionStatus> = { 1: 'PENDING_REGISTRATION', 2: 'FAILED_REGISTRATION', 3: 'READY' };

function list(value: unknown): Json[] {
  return Array.isArray(value) ? (value as Json[]) : [];
}

function optionalText(value: unknown): string | undefined {
  if (value === undefined || value === null) return undefined;
  return typeof value === 'string' ? value : String(value);
}

function keyValues(value: unknown): Array<{ key: string; value: string }> {
  return list(value).map((item) => ({ key: optionalText(item.key) ?? '', value: optionalText(item.value) ?? '' }));
}

function status(value: unknown): ModelVersionStatus {
  if (typeof value === 'number') return STATUS_BY_NUMBER[value] ?? 'READY';
  return typeof value === 'string' && value !== '' ? (value as ModelVersionStatus) : 'READY';
}

export function modelVersionFromWire(wire: Json): ModelVersion {
  const version: ModelVersion = {
    name: optionalText(wire.name) ?? '',
    version: optionalText(wire.version) ?? '',
    creationTimestamp: int64(wire.creation_timestamp),
    lastUpdatedTimestamp: int64(wire.last_updated_timestamp, int64(wire.creation_timestamp)),
    currentStage: (optionalText(wire.current_stage) || 'None') as ModelStage,
    source: optionalText(wire.source) ?? '',
    status: status(wire.status),
    tags: keyValues(wire.tags),
    aliases: Array.isArray(wire.aliases) ? wire.aliases.map((alias) => String(alias)) : [],
  };
  const userId = optionalText(wire.user_id);
  if (userId !== undefined) version.userId = userId;
  const description = optionalText(wire.description);
  if (description !== undefined) version.description = description;
  const runId = optionalText(wire.run_id);
  if (runId) version.runId = runId;
  const runLink = optionalText(wire.run_link);
  if (runLink) version.runLink = runLink;
  const statusMessage = optionalText(wire.status_message);
  if (statusMessage) version.statusMessage = statusMessage;
  return version;
}

export function registeredModelFromWire(wire: Json): RegisteredModel {
  const model: RegisteredModel = {
    name: optionalText(wire.name) ?? '',
    creationTimestamp: int64(wire.creation_timestamp),
    lastUpdatedTimestamp: int64(wire.last_updated_timestamp, int64(wire.creation_timestamp)),
    latestVersions: list(wire.latest_versions).map(modelVersionFromWire),
    tags: keyValues(wire.tags),
    aliases: list(wire.aliases).map((item) => ({ alias: optionalText(item.alias) ?? '', version: optionalText(item.version) ?? '' })),
  };
  const userId = optionalText(wire.user_id);
  if (userId !== undefined) model.userId = userId;
  const description = optionalText(wire.description);
  if (description !== undefined) model.description = description;
  return model;
}
