import type { ProjectRunState, ProjectSubmission } from '@orrery/core';

/** What a worker records in a job's progress when it starts an attempt. */
export interface AttemptProgress {
  worker: string;
  attempt: number;
}

/** A job's return value: how the execution ended on its worker. */
export interface JobOutcome {
  state: Extract<ProjectRunState, 'FINISHED' | 'FAILED' | 'KILLED'>;
  exitCode?: number;
  message?: string;
}

export type ProjectJobData = ProjectSubmission;

export const JOB_NAME = 'project';

/** BullMQ's reason for a job whose worker vanished more often than the stall limit allows. */
export function isStallFailure(reason: string | undefined): boolean {
  return reason !== undefined && reason.includes('stalled more than allowable limit');
}

export function attemptProgress(progress: unknown): AttemptProgress | undefined {
  if (typeof progress !== 'object' || progress === null) return undefined;
  const { worker, attempt } = progress as Partial<AttemptProgress>;
  return typeof worker === 'string' && typeof attempt === 'number' ? { worker, attempt } : undefined;
}
