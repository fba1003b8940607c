/**
 * `orrery models inspect -m <uri>`: what a model is (flavors, the one Orrery predicts with,
 * signature, input example, metadata) without loading it. `models describe <name>` stays the
 * registry command.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import type * as Models from '@orrery/models';
import type { ModelDirectory, Schema } from '@orrery/models';
import { action, type CliContext } from '../cli-context.js';
import { formatSize } from '../output.js';

function isLocal(uri: string): boolean {
  return uri.startsWith('file:') || !/^[A-Za-z][A-Za-z0-9+.-]*:/.test(uri);
}

/** The models package, imported when a command needs it: other commands do not pay for it. */
const loadModels = (): Promise<typeof Models> => import('@orrery/models');

/** The model's directory on this machine, downloading it (to a temp dir removed afterwards) when remote. */
async function withModelDirectory<T>(context: CliContext, uri: string, use: (directory: ModelDirectory) => Promise<T>): Promise<T> {
  const { localModelPath, readModelDirectory } = await loadModels();
  if (isLocal(uri)) return use(await readModelDirectory(await localModelPath(uri), uri));
  const client = await context.client();
  const dst = await mkdtemp(join(tmpdir(), 'orrery-inspect-'));
  try {
    const path = await client.downloadArtifacts(uri, dst);
    return await use(await readModelDirectory(path, uri));
  } finally {
    await rm(dst, { recursive: true, force: true });
  }
}

function schemaRows(schema: Schema): string[][] {
  if (schema.kind === 'columns') return schema.columns.map((c) => [c.name ?? '', c.type, c.required ? 'required' : 'optional']);
  return schema.tensors.map((t) => [t.name ?? '', `tensor ${t.dtype}`, `(${t.shape.join(', ')})`]);
}

async function inspect(context: CliContext, uri: string): Promise<void> {
  const { chooseFlavor, schemaToSpecs } = await loadModels();
  await withModelDirectory(context, uri, async (directory) => {
    const { mlmodel, signature } = directory;
    const flavor = await chooseFlavor(directory, { pluginRegistry: await context.registry() });
    const predictsWith = flavor?.name ?? null;
    if (context.output.json) {
      context.output.writeJson({
        uri,
        flavors: mlmodel.flavors,
        predictsWith,
        signature: {
          inputs: signature?.inputs ? schemaToSpecs(signature.inputs) : null,
          outputs: signature?.outputs ? schemaToSpecs(signature.outputs) : null,
          params: signature?.params ?? null,
        },
        savedInputExampleInfo: mlmodel.savedInputExampleInfo ?? null,
        metadata: mlmodel.metadata ?? null,
        runId: mlmodel.runId ?? null,
        artifactPath: mlmodel.artifactPath ?? null,
        modelUuid: mlmodel.modelUuid ?? null,
        utcTimeCreated: mlmodel.utcTimeCreated ?? null,
        modelSizeBytes: mlmodel.modelSizeBytes ?? null,
        mlflowVersion: mlmodel.mlflowVersion ?? null,
        orreryVersion: mlmodel.orreryVersion ?? null,
      });
      return;
    }
    const flavors = Object.keys(mlmodel.flavors);
    const main = flavors.find((f) => f !== 'python_function') ?? flavors[0] ?? '';
    const example = mlmodel.savedInputExampleInfo;
    context.output.fields([
      ['URI', uri],
      ['Flavors', flavors.join(', ')],
      ['Predicts with', predictsWith ?? `nothing: Orrery cannot execute '${main}' (export the model to ONNX)`],
      ['Run ID', mlmodel.runId ?? ''],
      ['Artifact path', mlmodel.artifactPath ?? ''],
      ['Model UUID', mlmodel.modelUuid ?? ''],
      ['Created (UTC)', mlmodel.utcTimeCreated ?? ''],
      ['Size', mlmodel.modelSizeBytes !== undefined ? formatSize(mlmodel.modelSizeBytes) : ''],
      ['MLflow format', mlmodel.mlflowVersion ?? ''],
      ['Orrery version', mlmodel.orreryVersion ?? ''],
      ['Input example', example ? `${String(example.artifact_path)} (${String(example.type)})` : ''],
      ['Metadata', mlmodel.metadata !== undefined ? JSON.stringify(mlmodel.metadata) : ''],
    ]);
    for (const [title, schema] of [['Inputs', signature?.inputs], ['Outputs', signature?.outputs]] as const) {
      context.output.line(`\n${title}:`);
      if (schema === undefined) context.output.line('(no signature)');
      else context.output.table(['NAME', 'TYPE', schema.kind === 'columns' ? 'REQUIRED' : 'SHAPE'], schemaRows(schema));
    }
    if (signature?.params !== undefined) {
      context.output.line('\nParams:');
      context.output.table(['NAME', 'TYPE', 'DEFAULT', 'SHAPE'], signature.params.map((p) => [p.name, p.type, JSON.stringify(p.default), p.shape === null ? 'scalar' : `(${p.shape.join(', ')})`]));
    }
  });
}

export function modelsInspectCommand(): Command {
  return new Command('inspect')
    .description('a model\'s flavors, signature, input example and metadata (a local path, runs:/, models:/ or mlflow-artifacts: URI)')
    .requiredOption('-m, --model-uri <uri>', 'the model: a directory, runs:/<run_id>/<path>, models:/<name>/<version|stage>, models:/<name>@<alias>')
    .action(action(async (context: CliContext, options: { modelUri: string }) => inspect(context, options.modelUri)));
}
