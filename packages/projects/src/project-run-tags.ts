import { userInfo } from 'node:os';
import type { ProjectSource } from './project-source.js';

/** MLflow's tag keys for a project run (`mlflow/utils/mlflow_tags.py`). */
export const PROJECT_TAGS = {
  sourceType: 'mlflow.source.type',
  sourceName: 'mlflow.source.name',
  user: 'mlflow.user',
  entryPoint: 'mlflow.project.entryPoint',
  backend: 'mlflow.project.backend',
  env: 'mlflow.project.env',
  gitCommit: 'mlflow.source.git.commit',
  gitRepoUrl: 'mlflow.source.git.repoURL',
  legacyGitRepoUrl: 'mlflow.gitRepoURL',
  parentRunId: 'mlflow.parentRunId',
} as const;

/** Orrery's own tags on project and pipeline runs. */
export const ORRERY_PROJECT_TAGS = {
  /** How many times a queue worker started the execution (a lost worker's job is retried). */
  attempts: 'orrery.project.attempts',
  /** The queue worker running (or that last ran) the execution. */
  worker: 'orrery.project.worker',
  /** The worker that vanished mid-job when the retry limit was passed. */
  lostWorker: 'orrery.project.lostWorker',
  /** The backend's execution id. */
  executionId: 'orrery.project.executionId',
  pipeline: 'orrery.pipeline',
  step: 'orrery.pipeline.step',
  cacheKey: 'orrery.pipeline.cacheKey',
  /** On a step skipped by the cache: the run whose outputs it reuses. */
  cachedFrom: 'orrery.pipeline.cachedFrom',
} as const;

function osUser(): string {
  try {
    return userInfo().username || 'unknown';
  } catch {
    return 'unknown';
  }
}

/** The tags MLflow sets on a project run (no `mlflow.project.env` with env manager local, as observed). */
export function projectRunTags(source: ProjectSource, entryPoint: string, backend: string): Record<string, string> {
  return {
    [PROJECT_TAGS.sourceName]: source.sourceName,
    [PROJECT_TAGS.sourceType]: 'PROJECT',
    [PROJECT_TAGS.entryPoint]: entryPoint,
    [PROJECT_TAGS.backend]: backend,
    [PROJECT_TAGS.user]: osUser(),
    ...(source.gitCommit !== undefined ? { [PROJECT_TAGS.gitCommit]: source.gitCommit } : {}),
    ...(source.gitRepoUrl !== undefined ? { [PROJECT_TAGS.gitRepoUrl]: source.gitRepoUrl, [PROJECT_TAGS.legacyGitRepoUrl]: source.gitRepoUrl } : {}),
  };
}
