import type { ModelStage, ModelVersion, ModelVersionStatus, RegisteredModel } from '../entities/registry.js';

/*
 * Registry records: a registered model and a model version as backends store them, field by field
 * (snake_case, numbers possibly as strings), and the one mapping from them to core's entities.
 * SQL rows and Redis hashes both have these fields.
 */

/** A stored registered model (SQL's `registered_models` row; BIGINTs may come back as strings from `pg`). */
export interface RegisteredModelRow {
  name: string;
  creation_time: number | string;
  last_updated_time: number | string;
  description: string | null;
  user_id: string | null;
}

/** A stored model version (SQL's `model_versions` row). */
export interface ModelVersionRow {
  name: string;
  version: number | string;
  creation_time: number | string;
  last_updated_time: number | string;
  description: string | null;
  user_id: string | null;
  current_stage: string;
  source: string;
  storage_location: string;
  run_id: string | null;
  run_link: string | null;
  status: string;
  status_message: string | null;
}

/** Sets an optional field only when the column holds a value, so entities carry no `undefined` keys. */
function withOptional<T extends object>(target: T, field: keyof T, value: string | null): void {
  if (value !== null && value !== undefined) (target as Record<keyof T, unknown>)[field] = value;
}

/** Builds the entity from a row plus its tags and aliases (loaded separately, in bulk). */
export function toModelVersion(row: ModelVersionRow, tags: ModelVersion['tags'], aliases: string[]): ModelVersion {
  const version: ModelVersion = {
    name: row.name,
    version: String(row.version),
    creationTimestamp: Number(row.creation_time),
    lastUpdatedTimestamp: Number(row.last_updated_time),
    currentStage: row.current_stage as ModelStage,
    source: row.source,
    status: row.status as ModelVersionStatus,
    tags,
    aliases,
  };
  withOptional(version, 'userId', row.user_id);
  withOptional(version, 'description', row.description);
  withOptional(version, 'runId', row.run_id);
  withOptional(version, 'runLink', row.run_link);
  withOptional(version, 'statusMessage', row.status_message);
  return version;
}

export function toRegisteredModel(
  row: RegisteredModelRow,
  parts: Pick<RegisteredModel, 'latestVersions' | 'tags' | 'aliases'>,
): RegisteredModel {
  const model: RegisteredModel = {
    name: row.name,
    creationTimestamp: Number(row.creation_time),
    lastUpdatedTimestamp: Number(row.last_updated_time),
    latestVersions: parts.latestVersions,
    tags: parts.tags,
    aliases: parts.aliases,
  };
  withOptional(model, 'userId', row.user_id);
  withOptional(model, 'description', row.description);
  return model;
}
