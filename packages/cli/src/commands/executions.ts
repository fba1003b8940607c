import { Command, Option } from 'commander';
import type { ProjectBackend, ProjectExecutionStatus, ProjectRunState } from '@orrery/core';
import { action, type CliContext } from '../cli-context.js';
import { readBackendConfig } from './run.js';

interface BackendOptions {
  backend: string;
  backendConfig?: string;
}

function withBackendOptions(command: Command): Command {
  return command
    .option('-b, --backend <name>', 'project backend the execution was submitted to', 'local')
    .option('-c, --backend-config <json|file>', 'backend configuration, as given to orrery run');
}

async function withBackend(context: CliContext, options: BackendOptions, use: (backend: ProjectBackend) => Promise<void>): Promise<void> {
  const backend = await (await context.registry()).openProjectBackend(options.backend, readBackendConfig(options.backendConfig));
  try {
    await use(backend);
  } finally {
    await backend.close();
  }
}

function printStatuses(context: CliContext, statuses: ProjectExecutionStatus[]): void {
  if (context.output.json) {
    context.output.writeJson(statuses);
    return;
  }
  context.output.table(
    ['EXECUTION', 'RUN ID', 'STATE', 'EXIT', 'MESSAGE'],
    statuses.map((s) => [s.id, s.runId, s.state, s.exitCode === undefined ? '' : String(s.exitCode), s.message ?? '']),
  );
}

/** `orrery executions`: what `orrery run` submitted, from any process that reaches the backend. */
export function executionsCommand(): Command {
  const executions = new Command('executions').description('list, inspect, follow and cancel project executions of a backend');

  withBackendOptions(executions.command('list').description('executions the backend keeps, newest first'))
    .option('--run-id <id>', 'only the execution of this run')
    .addOption(new Option('--state <state>', 'only executions in this state').choices(['QUEUED', 'RUNNING', 'FINISHED', 'FAILED', 'KILLED']))
    .action(
      action(async (context, options: BackendOptions & { runId?: string; state?: ProjectRunState }) =>
        withBackend(context, options, async (backend) =>
          printStatuses(context, await backend.list({ ...(options.runId !== undefined ? { runId: options.runId } : {}), ...(options.state !== undefined ? { states: [options.state] } : {}) })),
        ),
      ),
    );

  withBackendOptions(executions.command('status').description("an execution's state").argument('<id>', 'execution id'))
    .option('--wait', 'wait until it has ended')
    .action(
      action(async (context, id: string, options: BackendOptions & { wait?: boolean }) =>
        withBackend(context, options, async (backend) => printStatuses(context, [options.wait ? await backend.wait(id) : await backend.status(id)])),
      ),
    );

  withBackendOptions(executions.command('logs').description("an execution's output (stdout and stderr as written)").argument('<id>', 'execution id'))
    .option('-f, --follow', 'keep streaming until the execution ends')
    .action(
      action(async (context, id: string, options: BackendOptions & { follow?: boolean }) =>
        withBackend(context, options, async (backend) => {
          for await (const chunk of backend.logs(id, { follow: options.follow === true })) {
            (chunk.stream === 'stderr' ? process.stderr : process.stdout).write(chunk.text);
          }
        }),
      ),
    );

  withBackendOptions(executions.command('cancel').description('stop an execution (its process group is killed; the run ends KILLED)').argument('<id>', 'execution id')).action(
    action(async (context, id: string, options: BackendOptions) =>
      withBackend(context, options, async (backend) => {
        await backend.cancel(id);
        context.output.line(`Cancel requested for execution ${id}.`);
      }),
    ),
  );
  return executions;
}
