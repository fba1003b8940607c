import { createRequire } from 'node:module';
import { Command, CommanderError } from 'commander';
import { registerServerCommand, registerUiCommand } from '@orrery/server';
import { artifactsCommand } from './commands/artifacts.js';
import { dbCommand } from './commands/db.js';
import { executionsCommand } from './commands/executions.js';
import { experimentsCommand } from './commands/experiments.js';
import { gcCommand } from './commands/gc.js';
import { importCommand } from './commands/import.js';
import { modelsCommand } from './commands/models.js';
import { pluginsCommand } from './commands/plugins.js';
import { runCommand } from './commands/run.js';
import { runsCommand } from './commands/runs.js';
import { usersCommand } from './commands/users.js';
import { workerCommand } from './commands/worker.js';
import { errorLine, ExitStatus, exitCodeFor } from './cli-errors.js';

function cliVersion(): string {
  const manifest = createRequire(import.meta.url)('../package.json') as { version?: string };
  return manifest.version ?? '0.0.0';
}

/** Applies the error handling to a command and all its subcommands (addCommand does not inherit it). */
function configureTree(command: Command): void {
  command
    .exitOverride()
    // Commander's own "error: ..." text is replaced by our single `orrery: ...` line.
    .configureOutput({ outputError: () => undefined })
    .showSuggestionAfterError(true);
  for (const sub of command.commands) configureTree(sub);
}

/** Builds the `orrery` command tree. */
export function createProgram(): Command {
  const program = new Command('orrery')
    .description('Orrery: track machine-learning experiments, runs and artifacts (MLflow-compatible)')
    .version(cliVersion(), '-V, --version')
    .option('--tracking-uri <uri>', 'tracking store URI (default: ORRERY_TRACKING_URI, MLFLOW_TRACKING_URI, then ./orrery.db)')
    .option('--registry-uri <uri>', 'model registry URI (default: ORRERY_REGISTRY_URI, MLFLOW_REGISTRY_URI, then the tracking URI)')
    .option('--json', 'print machine-readable JSON instead of tables')
    .addCommand(experimentsCommand())
    .addCommand(runsCommand())
    .addCommand(artifactsCommand())
    .addCommand(modelsCommand())
    .addCommand(pluginsCommand())
    .addCommand(dbCommand())
    .addCommand(usersCommand())
    .addCommand(importCommand())
    .addCommand(gcCommand())
    .addCommand(runCommand())
    .addCommand(executionsCommand())
    .addCommand(workerCommand());
  registerServerCommand(program);
  registerUiCommand(program);
  configureTree(program);
  return program;
}

export interface CliIo {
  stderr: (text: string) => void;
  env: NodeJS.ProcessEnv;
}

/** Program-wide options that take a value (their value is not the subcommand's name). */
const GLOBAL_OPTIONS_WITH_VALUE = new Set(['--tracking-uri', '--registry-uri']);

/**
 * `orrery run --version <ref>` is MLflow's flag, but commander would take `--version` anywhere on
 * the line as the program's own version flag; after `run` it is rewritten to the short `-v`.
 */
function routeRunVersionFlag(argv: readonly string[]): string[] {
  const args = [...argv];
  let index = 0;
  while (index < args.length && args[index]!.startsWith('-')) index += GLOBAL_OPTIONS_WITH_VALUE.has(args[index]!) ? 2 : 1;
  if (args[index] !== 'run') return args;
  for (let i = index + 1; i < args.length; i += 1) {
    if (args[i] === '--') break;
    if (args[i] === '--version') args[i] = '-v';
    else if (args[i]!.startsWith('--version=')) args.splice(i, 1, '-v', args[i]!.slice('--version='.length));
  }
  return args;
}

/**
 * Runs the CLI on `argv` (user arguments only, without `node` and the script) and returns the exit
 * status: 0 on success, 2 for usage errors, 1 for other failures. A failure prints exactly one line,
 * `orrery: <message>`, on stderr (plus the stack when ORRERY_DEBUG=1).
 */
export async function runCli(
  argv: readonly string[],
  io: CliIo = { stderr: (t) => process.stderr.write(t), env: process.env },
): Promise<number> {
  const program = createProgram();
  try {
    await program.parseAsync(routeRunVersionFlag(argv), { from: 'user' });
    return 0;
  } catch (error) {
    if (error instanceof ExitStatus) return error.status;
    if (error instanceof CommanderError) {
      // --help and --version end through here with status 0.
      if (error.exitCode === 0) return 0;
      // A command group run without a subcommand has already printed its help.
      if (error.code === 'commander.help') return 2;
      io.stderr(`${errorLine(new Error(error.message.replace(/^error: /, '')))}\n`);
      return 2;
    }
    io.stderr(`${errorLine(error)}\n`);
    if (io.env.ORRERY_DEBUG === '1' && error instanceof Error && error.stack) io.stderr(`${error.stack}\n`);
    return exitCodeFor(error);
  }
}
