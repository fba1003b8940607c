/**
 * A model directory: the MLmodel file, the flavor's files, the input example and the environment
 * files. `writeModelDirectory` writes one as MLflow 2.12.2's `save_model` does (same files, keys
 * and order; `orrery_version` added, which MLflow keeps as an unknown attribute);
 * `readModelDirectory` reads one MLflow or Orrery wrote.
 */
import { randomUUID } from 'node:crypto';
import { mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { MLMODEL_FILE_NAME, OrreryError, parseMlmodel } from '@orrery/core';
import { environmentFiles, MLFLOW_FORMAT_VERSION } from './environment-files.js';
import { frameDTypes } from './frame-dtypes.js';
import type { MlModel } from './mlmodel-types.js';
import { pyyamlDump } from './mlmodel-yaml.js';
import type { DataFrame, ModelInput, Tensor } from './model-data.js';
import { signatureFromMlmodel, signatureToMlmodel } from './signature-json.js';
import type { ModelSignature } from './signature-types.js';
import { tensorFromNested, tensorToNested } from './tensors.js';
import { ORRERY_VERSION } from './orrery-version.js';

export const INPUT_EXAMPLE_FILE = 'input_example.json';

/** A model directory read: its MLmodel, typed signature and metadata. */
export interface ModelDirectory {
  path: string;
  mlmodel: MlModel;
  signature: ModelSignature | undefined;
  metadata: Record<string, unknown> | undefined;
}

/** Reads `<dir>/MLmodel`. RESOURCE_DOES_NOT_EXIST when there is none, naming the directory. */
export async function readModelDirectory(path: string, source: string = path): Promise<ModelDirectory> {
  let text: string;
  try {
    text = await readFile(join(path, MLMODEL_FILE_NAME), 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT' || (error as NodeJS.ErrnoException).code === 'ENOTDIR') {
      throw new OrreryError('RESOURCE_DOES_NOT_EXIST', `No MLmodel file in ${source}: a model directory holds an MLmodel file listing its flavors.`);
    }
    throw error;
  }
  const file = parseMlmodel(text, `${source}/${MLMODEL_FILE_NAME}`);
  const metadata = file.raw.metadata;
  const orreryVersion = file.raw.orrery_version;
  const mlmodel: MlModel = {
    ...file,
    ...(metadata !== null && typeof metadata === 'object' && !Array.isArray(metadata) ? { metadata: metadata as Record<string, unknown> } : {}),
    ...(typeof orreryVersion === 'string' ? { orreryVersion } : {}),
  };
  return { path, mlmodel, signature: signatureFromMlmodel(file.signature), metadata: mlmodel.metadata };
}

/** A JSON number as Python's json.dumps writes a float64: `1.0`, `NaN`. */
function pythonFloat(value: unknown): string {
  if (typeof value !== 'number') return JSON.stringify(value ?? null);
  if (Number.isNaN(value)) return 'NaN';
  if (!Number.isFinite(value)) return value > 0 ? 'Infinity' : '-Infinity';
  return Number.isInteger(value) && Math.abs(value) < 1e16 ? `${value}.0` : String(value);
}

function jsonWith(value: unknown, asFloat: boolean): string {
  if (Array.isArray(value)) return `[${value.map((v) => jsonWith(v, asFloat)).join(', ')}]`;
  return asFloat ? pythonFloat(value) : JSON.stringify(value ?? null);
}

function tensorJson(tensor: Tensor): string {
  return jsonWith(tensorToNested(tensor), tensor.dtype === 'float32' || tensor.dtype === 'float64');
}

function frameJson(frame: DataFrame): string {
  const dtypes = frameDTypes(frame);
  const rows = frame.rows.map((row) => `[${row.map((cell, i) => jsonWith(cell, dtypes[i] === 'float64' || dtypes[i] === 'float32')).join(', ')}]`);
  return `{"columns": ${JSON.stringify(frame.columns).replace(/","/g, '", "')}, "data": [${rows.join(', ')}]}`;
}

/** input_example.json's text and the MLmodel's `saved_input_example_info` for an example. */
export function inputExampleFile(example: ModelInput): { text: string; info: Record<string, string> } {
  switch (example.kind) {
    case 'dataframe':
      return { text: frameJson(example.frame), info: { artifact_path: INPUT_EXAMPLE_FILE, pandas_orient: 'split', type: 'dataframe' } };
    case 'tensor':
      return { text: `{"inputs": ${tensorJson(example.tensor)}}`, info: { artifact_path: INPUT_EXAMPLE_FILE, format: 'tf-serving', type: 'ndarray' } };
    case 'tensors': {
      const entries = Object.entries(example.tensors).map(([name, t]) => `${JSON.stringify(name)}: ${tensorJson(t)}`);
      return { text: `{"inputs": {${entries.join(', ')}}}`, info: { artifact_path: INPUT_EXAMPLE_FILE, format: 'tf-serving', type: 'ndarray' } };
    }
  }
}

/** Reads a model's saved input example back as a ModelInput, or undefined when it has none. */
export async function readInputExample(directory: ModelDirectory): Promise<ModelInput | undefined> {
  const info = directory.mlmodel.savedInputExampleInfo;
  if (info === undefined || typeof info.artifact_path !== 'string') return undefined;
  const text = await readFile(join(directory.path, info.artifact_path), 'utf8');
  const parsed = JSON.parse(text.replace(/\bNaN\b/g, 'null')) as Record<string, unknown>;
  if (info.type === 'dataframe') {
    const columns = (parsed.columns as string[] | undefined) ?? [];
    // JSON.parse reads `1.0` as 1: the column dtypes are inferred from the values again.
    return { kind: 'dataframe', frame: { columns, rows: parsed.data as unknown[][] } };
  }
  const inputs = parsed.inputs ?? parsed.instances;
  const isFloat = /\d\.\d/.test(text);
  if (inputs !== null && typeof inputs === 'object' && !Array.isArray(inputs)) {
    return { kind: 'tensors', tensors: Object.fromEntries(Object.entries(inputs).map(([k, v]) => [k, tensorFromNested(v, isFloat ? 'float64' : undefined)])) };
  }
  return { kind: 'tensor', tensor: tensorFromNested(inputs, isFloat ? 'float64' : undefined) };
}

/** What a flavor's save gives the directory writer. */
export interface ModelDirectoryContent {
  /** Flavor name → settings (the flavor's own entry and its `python_function` entry when it has one). */
  flavors: Record<string, Record<string, unknown>>;
  /** Files of the flavor: relative path → bytes, written before the MLmodel. */
  files: Record<string, Uint8Array | string>;
  /** Copies further files (a code directory) into the directory being written. */
  copyInto?: (directory: string) => Promise<void>;
  /** pip requirements besides mlflow (e.g. `onnx==1.12.0`). */
  requirements: string[];
  signature?: ModelSignature;
  inputExample?: ModelInput;
  metadata?: Record<string, unknown>;
  runId?: string;
  artifactPath?: string;
}

async function directorySize(path: string): Promise<number> {
  let total = 0;
  for (const entry of await readdir(path, { withFileTypes: true })) {
    const full = join(path, entry.name);
    total += entry.isDirectory() ? await directorySize(full) : (await stat(full)).size;
  }
  return total;
}

function utcTimestamp(date: Date): string {
  // Python's str(datetime.utcnow()): microseconds, no zone.
  return `${date.toISOString().replace('T', ' ').replace('Z', '')}000`;
}

/** The MLmodel document (before YAML) for a directory's content. */
export function mlmodelDocument(content: ModelDirectoryContent, sizeBytes: number, exampleInfo: Record<string, string> | undefined): Record<string, unknown> {
  return {
    ...(content.artifactPath !== undefined ? { artifact_path: content.artifactPath } : {}),
    flavors: content.flavors,
    mlflow_version: MLFLOW_FORMAT_VERSION,
    model_size_bytes: sizeBytes,
    model_uuid: randomUUID().replace(/-/g, ''),
    orrery_version: ORRERY_VERSION,
    ...(content.runId !== undefined ? { run_id: content.runId } : {}),
    ...(exampleInfo !== undefined ? { saved_input_example_info: exampleInfo } : {}),
    ...(content.signature !== undefined ? { signature: signatureToMlmodel(content.signature) } : {}),
    ...(content.metadata !== undefined ? { metadata: content.metadata } : {}),
    utc_time_created: utcTimestamp(new Date()),
  };
}

/**
 * Writes a model directory at `path`, which must not exist or be empty (as MLflow's save_model
 * requires). The files go to a sibling temporary directory renamed into place at the end, so a
 * failure leaves no half-written model. Returns the MLmodel document written.
 */
export async function writeModelDirectory(path: string, content: ModelDirectoryContent): Promise<Record<string, unknown>> {
  const existing = await readdir(path).catch(() => undefined);
  if (existing !== undefined && existing.length > 0) {
    throw new OrreryError('RESOURCE_ALREADY_EXISTS', `Path '${path}' already exists and is not empty`);
  }
  const staging = `${path.replace(/\/+$/, '')}.orrery-tmp-${randomUUID()}`;
  await mkdir(staging, { recursive: true });
  try {
    for (const [name, data] of Object.entries(content.files)) {
      await mkdir(join(staging, name, '..'), { recursive: true });
      await writeFile(join(staging, name), data);
    }
    await content.copyInto?.(staging);
    let exampleInfo: Record<string, string> | undefined;
    if (content.inputExample !== undefined) {
      const example = inputExampleFile(content.inputExample);
      await writeFile(join(staging, INPUT_EXAMPLE_FILE), example.text);
      exampleInfo = example.info;
    }
    // MLflow counts the files present before the MLmodel and environment files are written.
    const size = await directorySize(staging);
    const needsPandas = content.inputExample?.kind === 'dataframe';
    const document = mlmodelDocument(content, size, exampleInfo);
    await writeFile(join(staging, MLMODEL_FILE_NAME), pyyamlDump(document));
    const env = environmentFiles([...content.requirements, ...(needsPandas ? ['pandas==1.5.3'] : [])].sort());
    for (const [name, text] of Object.entries(env)) await writeFile(join(staging, name), text);
    if (existing !== undefined) await rm(path, { recursive: true, force: true });
    await rename(staging, path);
    return document;
  } catch (error) {
    await rm(staging, { recursive: true, force: true });
    throw error;
  }
}
