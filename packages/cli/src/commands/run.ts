import { existsSync, readFileSync } from 'node:fs';
import { Command, InvalidArgumentError, Option } from 'commander';
import { errors } from '@orrery/core';
import type { EnvManager } from '@orrery/projects';
import { action } from '../cli-context.js';
import { ExitStatus } from '../cli-errors.js';

interface RunOptions {
  entryPoint: string;
  version?: string;
  paramList?: Record<string, string>;
  experimentName?: string;
  experimentId?: string;
  runName?: string;
  backend: string;
  backendConfig?: string;
  envManager: EnvManager;
  wait: boolean;
}

/** `-P key=value`, repeatable; the value may hold `=` and spaces. */
function collectParam(value: string, previous: Record<string, string> | undefined): Record<string, string> {
  const eq = value.indexOf('=');
  if (eq <= 0) throw new InvalidArgumentError('expected key=value.');
  return { ...(previous ?? {}), [value.slice(0, eq)]: value.slice(eq + 1) };
}

/** `--backend-config`: inline JSON or the path of a JSON file (as MLflow accepts). */
export function readBackendConfig(value: string | undefined): Record<string, unknown> {
  if (value === undefined) return {};
  const text = value.trimStart().startsWith('{') ? value : existsSync(value) ? readFileSync(value, 'utf8') : undefined;
  if (text === undefined) throw errors.invalidParameter(`--backend-config must be a JSON object or the path of a JSON file; '${value}' is neither.`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw errors.invalidParameter(`--backend-config is not valid JSON: ${(error as Error).message}`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw errors.invalidParameter('--backend-config must be a JSON object.');
  return parsed as Record<string, unknown>;
}

export function runCommand(): Command {
  return new Command('run')
    .description('run an MLproject entry point or pipeline as a tracked run (like `mlflow run`)')
    .argument('<uri>', 'project directory or git URI (file://, git://, https://, ssh://), with an optional #subdirectory')
    .option('-e, --entry-point <name>', 'entry point or pipeline to run', 'main')
    .option('-v, --version <ref>', 'git commit, branch or tag to run (git URIs)')
    .option('-P, --param-list <key=value>', 'a parameter; repeatable', collectParam)
    .option('--experiment-name <name>', 'experiment to run in (created when missing)')
    .option('--experiment-id <id>', 'experiment to run in')
    .option('--run-name <name>', 'name of the run')
    .option('-b, --backend <name>', 'project backend: local, queue or an installed plugin', 'local')
    .option('-c, --backend-config <json|file>', 'backend configuration, inline JSON or a JSON file')
    .addOption(new Option('--env-manager <manager>', 'environment to run in').choices(['local', 'virtualenv', 'conda']).default('local'))
    .option('--no-wait', 'return once submitted instead of waiting for the end')
    .action(
      action(async (context, uri: string, options: RunOptions) => {
        const { runProject } = await import('@orrery/projects');
        const registry = await context.registry();
        const backendConfig = readBackendConfig(options.backendConfig);
        const backend = await registry.openProjectBackend(options.backend, backendConfig);
        const client = await context.client();
        let executionId: string | undefined;
        let interrupts = 0;
        // Ctrl-C cancels the execution (its process group); a second one leaves at once.
        const onInterrupt = () => {
          interrupts += 1;
          if (interrupts > 1 || executionId === undefined) process.exit(130);
          void backend.cancel(executionId).catch(() => undefined);
        };
        process.on('SIGINT', onInterrupt);
        try {
          const result = await runProject({
            uri,
            entryPoint: options.entryPoint,
            parameters: options.paramList ?? {},
            ...(options.version !== undefined ? { version: options.version } : {}),
            ...(options.experimentName !== undefined ? { experimentName: options.experimentName } : {}),
            ...(options.experimentId !== undefined ? { experimentId: options.experimentId } : {}),
            ...(options.runName !== undefined ? { runName: options.runName } : {}),
            envManager: options.envManager,
            backend,
            backendConfig,
            client,
            wait: options.wait,
            report: (line) => process.stderr.write(`${line}\n`),
            output: (chunk, prefix) => {
              const text = prefix === undefined ? chunk.text : chunk.text.replace(/^(?=.)/gm, `[${prefix}] `);
              (chunk.stream === 'stderr' ? process.stderr : process.stdout).write(text);
            },
            onSubmitted: (id) => {
              executionId = id;
            },
          });
          if (!options.wait) context.output.line(context.output.json ? JSON.stringify({ runId: result.runId, executionId: result.executionId }) : `${result.executionId}`);
          if (result.exitCode !== 0) throw new ExitStatus(result.exitCode);
        } finally {
          process.off('SIGINT', onInterrupt);
          await backend.close();
        }
      }),
    );
}
