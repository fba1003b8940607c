import { errors, isTerminalProjectRunState, type ProjectExecutionStatus } from '@orrery/core';

/**
 * `ProjectBackend.wait` for backends that can only be asked for a status: polls `status` until it
 * is terminal, with the contract's timeout error.
 */
export async function pollUntilTerminal(
  status: () => Promise<ProjectExecutionStatus>,
  options: { timeoutMs?: number; intervalMs?: number } = {},
): Promise<ProjectExecutionStatus> {
  const deadline = options.timeoutMs === undefined ? Infinity : Date.now() + options.timeoutMs;
  for (;;) {
    const current = await status();
    if (isTerminalProjectRunState(current.state)) return current;
    if (Date.now() >= deadline) throw errors.invalidState(`Execution ${current.id} has not ended after ${options.timeoutMs} ms (it is ${current.state}).`);
    await new Promise((resolve) => setTimeout(resolve, Math.min(options.intervalMs ?? 100, Math.max(0, deadline - Date.now()))));
  }
}
