/**
 * Model registry entities, following MLflow's `model_registry.proto`.
 */

export const MODEL_STAGES = ['None', 'Staging', 'Production', 'Archived'] as const;
export type ModelStage = (typeof MODEL_STAGES)[number];

export const MODEL_VERSION_STATUSES = ['PENDING_REGISTRATION', 'FAILED_REGISTRATION', 'READY'] as const;
export type ModelVersionStatus = (typeof MODEL_VERSION_STATUSES)[number];

export interface RegisteredModelTag {
  key: string;
  value: string;
}

export interface ModelVersionTag {
  key: string;
  value: string;
}

export interface RegisteredModelAlias {
  alias: string;
  /** The version number the alias points at, as a decimal string (MLflow's wire form). */
  version: string;
}

export interface ModelVersion {
  name: string;
  /** Decimal string; versions start at 1 and rise without gaps per model. */
  version: string;
  creationTimestamp: number;
  lastUpdatedTimestamp: number;
  userId?: string;
  currentStage: ModelStage;
  description?: string;
  source: string;
  runId?: string;
  runLink?: string;
  status: ModelVersionStatus;
  statusMessage?: string;
  tags: ModelVersionTag[];
  aliases: string[];
}

export interface RegisteredModel {
  name: string;
  creationTimestamp: number;
  lastUpdatedTimestamp: number;
  userId?: string;
  description?: string;
  /** The newest version in each stage. */
  latestVersions: ModelVersion[];
  tags: RegisteredModelTag[];
  aliases: RegisteredModelAlias[];
}
