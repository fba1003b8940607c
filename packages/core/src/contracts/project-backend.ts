import type {
  ProjectExecution,
  ProjectExecutionFilter,
  ProjectExecutionStatus,
  ProjectLogChunk,
  ProjectSubmission,
} from '../entities/project.js';

/**
 * Executes a project entry point somewhere: this process's machine, a queue of workers on other
 * machines, a cluster. The execution logs into the tracking run named in the submission, so the
 * backend only reports execution state; run status in the tracking store is the execution's job.
 * Handles (`ProjectExecution.id`) must stay valid from any process that can reach the backend.
 */
export interface ProjectBackend {
  /** Name used in configuration and on the CLI (`--backend <name>`). */
  readonly name: string;
  /** Validates the submission and queues or starts it; returns once it is accepted. */
  submit(submission: ProjectSubmission): Promise<ProjectExecution>;
  /** Current state of an execution; RESOURCE_DOES_NOT_EXIST for an unknown id. */
  status(executionId: string): Promise<ProjectExecutionStatus>;
  /** Asks the execution to stop; resolves once the request is recorded. Idempotent. */
  cancel(executionId: string): Promise<void>;
  /** Streams the execution's output; with `follow`, keeps streaming until the execution ends. */
  logs(executionId: string, options?: { follow?: boolean; since?: number }): AsyncIterable<ProjectLogChunk>;
  /**
   * Executions the backend knows of (queued, running and ended ones it still keeps), newest first,
   * narrowed by `filter`. Reads only; an empty list when there are none.
   */
  list(filter?: ProjectExecutionFilter): Promise<ProjectExecutionStatus[]>;
  /**
   * Resolves with the execution's status once it is terminal (FINISHED, FAILED or KILLED).
   * RESOURCE_DOES_NOT_EXIST for an unknown id; with `timeoutMs`, rejects with INVALID_STATE when
   * the execution has not ended in time (the execution itself is left alone).
   */
  wait(executionId: string, options?: { timeoutMs?: number }): Promise<ProjectExecutionStatus>;
  /** Releases connections. */
  close(): Promise<void>;
}
