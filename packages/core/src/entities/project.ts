/**
 * Project execution entities, used by the ProjectBackend contract.
 */

export const PROJECT_RUN_STATES = ['QUEUED', 'RUNNING', 'FINISHED', 'FAILED', 'KILLED'] as const;
export type ProjectRunState = (typeof PROJECT_RUN_STATES)[number];

/** What a caller asks a backend to execute. */
export interface ProjectSubmission {
  /** A local directory or a git URI, with an optional `#subdirectory`. */
  uri: string;
  /** Entry point name from the MLproject file; `main` by default. */
  entryPoint: string;
  parameters: Record<string, string>;
  /** Git commit, branch or tag to check out, for git URIs. */
  version?: string;
  experimentId: string;
  /** The tracking run the execution logs into; created by the caller before submitting. */
  runId: string;
  /** The tracking URI the execution must log to, so a remote worker reaches the same store. */
  trackingUri: string;
  /** Backend-specific options (queue name, resources, ...), validated by the backend. */
  backendConfig: Record<string, unknown>;
  env?: Record<string, string>;
  /**
   * Names of outputs the entry point writes into the directory given in `ORRERY_OUTPUT_DIR`; the
   * executor logs each one as the artifact `outputs/<name>` of the run when the process succeeds.
   */
  outputs?: string[];
}

/** Terminal states: an execution in one of them never changes again. */
export const TERMINAL_PROJECT_RUN_STATES: readonly ProjectRunState[] = ['FINISHED', 'FAILED', 'KILLED'];

export function isTerminalProjectRunState(state: ProjectRunState): boolean {
  return TERMINAL_PROJECT_RUN_STATES.includes(state);
}

/** What `ProjectBackend.list` filters on. */
export interface ProjectExecutionFilter {
  /** Only executions in these states. */
  states?: readonly ProjectRunState[];
  /** Only the execution(s) of this tracking run. */
  runId?: string;
}

/** A handle on a submitted execution. `id` is stable and meaningful across processes and machines. */
export interface ProjectExecution {
  id: string;
  runId: string;
  backend: string;
}

export interface ProjectExecutionStatus {
  id: string;
  /** The tracking run the execution logs into. */
  runId: string;
  state: ProjectRunState;
  /** Milliseconds since the epoch. */
  updatedAt: number;
  exitCode?: number;
  message?: string;
}

export interface ProjectLogChunk {
  stream: 'stdout' | 'stderr';
  text: string;
  /** Milliseconds since the epoch. */
  timestamp: number;
}
