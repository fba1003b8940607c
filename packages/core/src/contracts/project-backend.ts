import type {
  ProjectExecution,
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
  /** Releases connections. */
  close(): Promise<void>;
}
