import { createReadStream, existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { parse as parseYaml } from 'yaml';
import type { DatasetInput, Experiment, Metric, ModelVersionRecord, RegisteredModelRecord, RunRecord } from '@orrery/core';
import { errors, MODEL_STAGES } from '@orrery/core';
import type { MlflowSource, SourceCounts } from './mlflow-source.js';
import { MLFLOW_RUN_STATUS_BY_NUMBER } from './mlflow-source.js';

const HISTORY_BATCH = 10_000;
type Meta = Record<string, unknown>;

function readMeta(dir: string): Meta | undefined {
  const file = path.join(dir, 'meta.yaml');
  if (!existsSync(file)) return undefined;
  const parsed = parseYaml(readFileSync(file, 'utf8')) as unknown;
  return parsed !== null && typeof parsed === 'object' ? (parsed as Meta) : {};
}

const text = (v: unknown): string | undefined => (v === null || v === undefined ? undefined : String(v));
const int = (v: unknown): number | null => (v === null || v === undefined || v === '' ? null : Number(v));

function subdirs(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true })
    .filter((e) => e.isDirectory())
    .map((e) => e.name)
    .sort();
}

/** Files under `dir`, recursively, as keys (`a/b` for a key with a slash, which MLflow stores as folders). */
function keyFiles(dir: string, prefix = ''): { key: string; file: string }[] {
  if (!existsSync(dir)) return [];
  const out: { key: string; file: string }[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...keyFiles(full, `${prefix}${entry.name}/`));
    else out.push({ key: `${prefix}${entry.name}`, file: full });
  }
  return out;
}

function keyValues(dir: string): { key: string; value: string }[] {
  return keyFiles(dir).map(({ key, file }) => ({ key, value: readFileSync(file, 'utf8') }));
}

/** A value as Python's `str(float)` wrote it. */
function parseMetricValue(raw: string): number {
  const lower = raw.toLowerCase();
  if (lower === 'nan') return Number.NaN;
  if (lower === 'inf' || lower === 'infinity') return Number.POSITIVE_INFINITY;
  if (lower === '-inf' || lower === '-infinity') return Number.NEGATIVE_INFINITY;
  return Number(raw);
}

/** Non-empty lines of a file, read in chunks (a metric file may be large). */
async function countLines(file: string): Promise<number> {
  let lines = 0;
  let pending = false;
  for await (const chunk of createReadStream(file) as AsyncIterable<Buffer>) {
    for (let i = 0; i < chunk.length; i++) {
      const byte = chunk[i]!;
      if (byte === 10) {
        if (pending) lines++;
        pending = false;
      } else if (byte !== 13 && byte !== 32) {
        pending = true;
      }
    }
  }
  return pending ? lines + 1 : lines;
}

interface RunLocation {
  dir: string;
  experimentDir: string;
}

/**
 * Reads MLflow's file store (`mlruns/`): `<experiment id>/meta.yaml` with `tags/`, `datasets/`, and
 * one folder per run (`meta.yaml`, `params/`, `tags/`, `metrics/` lines `timestamp value step`,
 * `inputs/`); deleted experiments under `.trash/`; the registry under `models/` (`meta.yaml`,
 * `tags/`, `aliases/`, `version-<n>/`). Metric files are read line by line.
 */
export class MlflowFileSource implements MlflowSource {
  readonly description: string;

  constructor(private readonly root: string) {
    if (!existsSync(root) || !statSync(root).isDirectory()) {
      throw errors.invalidParameter(`MLflow file store '${root}' does not exist or is not a directory.`);
    }
    this.description = `MLflow file store ${root}`;
  }

  private experimentDirs(): string[] {
    const active = subdirs(this.root)
      .filter((name) => name !== '.trash' && name !== 'models' && readMeta(path.join(this.root, name)) !== undefined)
      .map((name) => path.join(this.root, name));
    const trash = path.join(this.root, '.trash');
    const deleted = subdirs(trash).map((name) => path.join(trash, name)).filter((dir) => readMeta(dir) !== undefined);
    return [...active, ...deleted].sort((a, b) => Number(path.basename(a)) - Number(path.basename(b)));
  }

  private *runLocations(): Iterable<RunLocation> {
    for (const experimentDir of this.experimentDirs()) {
      for (const name of subdirs(experimentDir)) {
        if (name === 'tags' || name === 'datasets') continue;
        const dir = path.join(experimentDir, name);
        if (existsSync(path.join(dir, 'meta.yaml'))) yield { dir, experimentDir };
      }
    }
  }

  async counts(): Promise<SourceCounts> {
    const counts: SourceCounts = { experiments: 0, runs: 0, params: 0, tags: 0, metricPoints: 0, registeredModels: 0, modelVersions: 0 };
    counts.experiments = this.experimentDirs().length;
    for (const { dir } of this.runLocations()) {
      counts.runs++;
      counts.params += keyFiles(path.join(dir, 'params')).length;
      counts.tags += keyFiles(path.join(dir, 'tags')).length;
      for (const { file } of keyFiles(path.join(dir, 'metrics'))) counts.metricPoints += await countLines(file);
    }
    for await (const model of this.registeredModels()) {
      counts.registeredModels++;
      counts.modelVersions += model.versions.length;
    }
    return counts;
  }

  async *experiments(): AsyncIterable<Experiment> {
    for (const dir of this.experimentDirs()) {
      const meta = readMeta(dir)!;
      const created = int(meta.creation_time) ?? 0;
      yield {
        experimentId: text(meta.experiment_id) ?? path.basename(dir),
        name: text(meta.name) ?? '',
        artifactLocation: text(meta.artifact_location) ?? '',
        lifecycleStage: meta.lifecycle_stage === 'deleted' || path.basename(path.dirname(dir)) === '.trash' ? 'deleted' : 'active',
        creationTime: created,
        lastUpdateTime: int(meta.last_update_time) ?? created,
        tags: keyValues(path.join(dir, 'tags')),
      };
    }
  }

  async *runs(): AsyncIterable<RunRecord> {
    for (const location of this.runLocations()) yield this.readRun(location);
  }

  private readRun({ dir, experimentDir }: RunLocation): RunRecord & { dir: string } {
    const meta = readMeta(dir)!;
    const tags = keyValues(path.join(dir, 'tags'));
    const status = typeof meta.status === 'number' ? MLFLOW_RUN_STATUS_BY_NUMBER[meta.status] : undefined;
    const runId = text(meta.run_id) ?? text(meta.run_uuid) ?? path.basename(dir);
    return {
      dir,
      info: {
        runId,
        runName: text(meta.run_name) ?? tags.find((t) => t.key === 'mlflow.runName')?.value ?? '',
        experimentId: text(meta.experiment_id) ?? path.basename(experimentDir),
        userId: text(meta.user_id) ?? '',
        status: status ?? 'RUNNING',
        startTime: int(meta.start_time) ?? 0,
        endTime: int(meta.end_time),
        artifactUri: text(meta.artifact_uri) ?? '',
        lifecycleStage: meta.lifecycle_stage === 'deleted' ? 'deleted' : 'active',
      },
      deletedTime: int(meta.deleted_time),
      params: keyValues(path.join(dir, 'params')),
      tags,
      datasetInputs: this.readInputs(dir, experimentDir),
    };
  }

  private readInputs(runDir: string, experimentDir: string): DatasetInput[] {
    const inputs: DatasetInput[] = [];
    for (const name of subdirs(path.join(runDir, 'inputs'))) {
      const input = readMeta(path.join(runDir, 'inputs', name));
      const datasetId = text(input?.source_id);
      if (!input || datasetId === undefined) continue;
      const dataset = readMeta(path.join(experimentDir, 'datasets', datasetId));
      if (!dataset) continue;
      const tags = input.tags !== null && typeof input.tags === 'object' ? (input.tags as Record<string, unknown>) : {};
      const schema = text(dataset.schema);
      const profile = text(dataset.profile);
      inputs.push({
        tags: Object.entries(tags).map(([key, value]) => ({ key, value: String(value) })),
        dataset: {
          name: text(dataset.name) ?? '',
          digest: text(dataset.digest) ?? '',
          sourceType: text(dataset.source_type) ?? '',
          source: text(dataset.source) ?? '',
          ...(schema !== undefined ? { schema } : {}),
          ...(profile !== undefined ? { profile } : {}),
        },
      });
    }
    return inputs;
  }

  async *history(run: RunRecord): AsyncIterable<Metric[]> {
    const dir = (run as RunRecord & { dir?: string }).dir;
    if (dir === undefined) return;
    let batch: Metric[] = [];
    for (const { key, file } of keyFiles(path.join(dir, 'metrics'))) {
      const lines = createInterface({ input: createReadStream(file, 'utf8'), crlfDelay: Number.POSITIVE_INFINITY });
      for await (const line of lines) {
        const parts = line.trim().split(' ');
        if (parts.length < 2 || parts[0] === '') continue;
        batch.push({ key, timestamp: Number(parts[0]), value: parseMetricValue(parts[1]!), step: parts[2] === undefined ? 0 : Number(parts[2]) });
        if (batch.length >= HISTORY_BATCH) {
          yield batch;
          batch = [];
        }
      }
    }
    if (batch.length > 0) yield batch;
  }

  async *registeredModels(): AsyncIterable<RegisteredModelRecord> {
    const modelsDir = path.join(this.root, 'models');
    for (const folder of subdirs(modelsDir)) {
      const dir = path.join(modelsDir, folder);
      const meta = readMeta(dir);
      if (!meta) continue;
      const versions: ModelVersionRecord[] = [];
      let lastVersion = 0;
      for (const versionFolder of subdirs(dir).filter((n) => /^version-\d+$/.test(n))) {
        const v = readMeta(path.join(dir, versionFolder));
        if (!v) continue;
        const number = Number(v.version ?? versionFolder.slice('version-'.length));
        lastVersion = Math.max(lastVersion, number);
        if (v.current_stage === 'Deleted_Internal') continue;
        const source = text(v.source) ?? '';
        const optional = (field: string, value: unknown) => (text(value) !== undefined ? { [field]: text(value)! } : {});
        const status = text(v.status);
        versions.push({
          version: number,
          creationTimestamp: int(v.creation_timestamp) ?? 0,
          lastUpdatedTimestamp: int(v.last_updated_timestamp) ?? int(v.creation_timestamp) ?? 0,
          ...optional('userId', v.user_id),
          currentStage: MODEL_STAGES.find((s) => s.toLowerCase() === String(v.current_stage ?? 'None').toLowerCase()) ?? 'None',
          ...optional('description', v.description),
          source,
          storageLocation: text(v.storage_location) ?? source,
          ...optional('runId', v.run_id),
          ...optional('runLink', v.run_link),
          status: status === 'PENDING_REGISTRATION' || status === 'FAILED_REGISTRATION' ? status : 'READY',
          ...optional('statusMessage', v.status_message),
          tags: keyValues(path.join(dir, versionFolder, 'tags')),
        });
      }
      versions.sort((a, b) => a.version - b.version);
      const description = text(meta.description);
      yield {
        name: text(meta.name) ?? folder,
        creationTimestamp: int(meta.creation_timestamp) ?? 0,
        lastUpdatedTimestamp: int(meta.last_updated_timestamp) ?? int(meta.creation_timestamp) ?? 0,
        ...(description !== undefined ? { description } : {}),
        tags: keyValues(path.join(dir, 'tags')),
        versions,
        aliases: keyValues(path.join(dir, 'aliases')).map(({ key, value }) => ({ alias: key, version: Number(value.trim()) })),
        lastVersion,
      };
    }
  }

  async close(): Promise<void> {}
}
