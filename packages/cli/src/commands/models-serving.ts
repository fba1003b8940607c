/**
 * `orrery models serve`, `orrery models predict` and `orrery models generate-dockerfile`, with
 * MLflow's flags (`-h` is the host, as in `mlflow models serve`; help is `--help`). @orrery/serving
 * (and onnxruntime behind it) is imported when one of them runs, not for every `orrery` command.
 */
import { InvalidArgumentError, type Command } from 'commander';
import type { LoadModelOptions } from '@orrery/models';
import type { GlobalOptions } from '../cli-context.js';
import { parsePositiveInt } from '../option-parsers.js';

function parsePort(value: string): number {
  if (!/^\d+$/.test(value) || Number(value) > 65535) throw new InvalidArgumentError('expected a port number (0-65535).');
  return Number(value);
}

function parseSeconds(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n < 0) throw new InvalidArgumentError('expected a number of seconds.');
  return n;
}

function parseMilliseconds(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n < 0) throw new InvalidArgumentError('expected a number of milliseconds.');
  return n;
}

/** Where models:/ and runs:/ URIs are resolved: --tracking-uri, else the environment. */
function loadOptionsOf(command: Command): LoadModelOptions {
  const globals = command.optsWithGlobals<GlobalOptions>();
  const trackingUri = globals.trackingUri ?? process.env.ORRERY_TRACKING_URI ?? process.env.MLFLOW_TRACKING_URI;
  return trackingUri !== undefined ? { trackingUri } : {};
}

interface ServeOptions {
  modelUri: string;
  port: number;
  host: string;
  workers: number;
  timeout: number;
  envManager?: string;
  watchInterval: number;
  threads: number;
  maxBatchSize: number;
  maxBatchWaitMs: number;
  maxBatchRows: number;
  batching: boolean;
  name?: string;
}

/** Adds serve, predict and generate-dockerfile to the `models` command group. */
export function addModelServingCommands(models: Command): void {
  models
    .command('serve')
    .description("serve a model over HTTP: MLflow's scoring protocol (/invocations) and the Open Inference Protocol (/v2)")
    .helpOption('--help', 'display help for command')
    .requiredOption('-m, --model-uri <uri>', 'model directory, runs:/<run>/<path>, models:/<name>/<version> or models:/<name>@<alias>')
    .option('-p, --port <port>', 'port to listen on', parsePort, 5000)
    .option('-h, --host <host>', 'address to listen on', '127.0.0.1')
    .option('-w, --workers <n>', 'server processes', parsePositiveInt, 1)
    .option('-t, --timeout <seconds>', 'answer 503 when a request takes longer', parseSeconds, 60)
    .option('--env-manager <manager>', "accepted for MLflow's command line; ignored (the model runs in this Node.js)")
    .option('--watch-interval <seconds>', 'how often a models:/<name>@<alias> URI is re-resolved', parseSeconds, 10)
    .option('--threads <n>', 'inference worker threads per process', parsePositiveInt, 1)
    .option('--max-batch-size <n>', 'most concurrent requests scored in one model call', parsePositiveInt, 32)
    .option('--max-batch-wait-ms <ms>', 'how long a batch may wait to fill while others are in flight', parseMilliseconds, 0)
    .option('--max-batch-rows <n>', 'most rows concatenated into one model call', parsePositiveInt, 1024)
    .option('--no-batching', 'score every request on its own')
    .option('--name <name>', 'the model name in the Open Inference Protocol (default: the registered name, else "model")')
    .action(async (options: ServeOptions, command: Command) => {
      if (options.envManager !== undefined) {
        process.stderr.write(`orrery models serve: --env-manager ${options.envManager} ignored: the model runs in this Node.js process, no environment is created\n`);
      }
      const { runServeProcess } = await import('@orrery/serving');
      await runServeProcess({
        modelUri: options.modelUri,
        host: options.host,
        port: options.port,
        workers: options.workers,
        threads: options.threads,
        timeoutSeconds: options.timeout,
        watchIntervalSeconds: options.watchInterval,
        batching: { maxBatchSize: options.batching ? options.maxBatchSize : 1, maxBatchWaitMs: options.maxBatchWaitMs, maxBatchRows: options.maxBatchRows },
        loadOptions: loadOptionsOf(command),
        ...(options.name !== undefined ? { modelName: options.name } : {}),
      });
    });

  models
    .command('predict')
    .description('predict on a JSON (scoring-protocol) or CSV file; writes what `mlflow models predict` writes')
    .requiredOption('-m, --model-uri <uri>', 'model directory or runs:/, models:/ URI')
    .option('-i, --input-path <file>', 'input file (default: stdin)')
    .option('-o, --output-path <file>', 'output file (default: stdout)')
    .option('-t, --content-type <type>', 'input format: json or csv', 'json')
    .option('--env-manager <manager>', "accepted for MLflow's command line; ignored")
    .action(async (options: { modelUri: string; inputPath?: string; outputPath?: string; contentType: string }, command: Command) => {
      if (options.contentType !== 'json' && options.contentType !== 'csv') {
        throw new InvalidArgumentError(`Unknown content type '${options.contentType}': use json or csv`);
      }
      const { batchPredict } = await import('@orrery/serving');
      await batchPredict({
        modelUri: options.modelUri,
        contentType: options.contentType,
        loadOptions: loadOptionsOf(command),
        ...(options.inputPath !== undefined ? { inputPath: options.inputPath } : {}),
        ...(options.outputPath !== undefined ? { outputPath: options.outputPath } : {}),
      });
    });

  models
    .command('generate-dockerfile')
    .description('write a Dockerfile (node:20-slim) and a directory that serves the model with plain `node serve.mjs`')
    .requiredOption('-m, --model-uri <uri>', 'model directory or runs:/, models:/ URI')
    .option('-d, --output-directory <dir>', 'where to write them', 'orrery-dockerfile')
    .option('--env-manager <manager>', "accepted for MLflow's command line; ignored")
    .action(async (options: { modelUri: string; outputDirectory: string }, command: Command) => {
      const { generateDockerfile } = await import('@orrery/serving');
      const dockerfile = await generateDockerfile({ modelUri: options.modelUri, outputDir: options.outputDirectory, loadOptions: loadOptionsOf(command) });
      process.stdout.write(`Wrote ${dockerfile}; build it with: docker build -t my-model ${options.outputDirectory}\n`);
    });
}
