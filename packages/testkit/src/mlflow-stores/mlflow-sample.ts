import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { MlflowDialect } from './mlflow-sql-schema.js';

/**
 * One small MLflow store's content, written the same into an MLflow SQL database
 * (`mlflowSampleInserts`) and an `mlruns/` tree (`writeMlrunsSample`), so import tests compare every
 * field of what Orrery holds afterwards with this one description.
 */
export interface SampleMetric {
  key: string;
  value: number;
  timestamp: number;
  step: number;
}
export interface SampleDataset {
  name: string;
  digest: string;
  sourceType: string;
  source: string;
  schema?: string;
  profile?: string;
  tags: { key: string; value: string }[];
}
export interface SampleRun {
  runId: string;
  experimentId: string;
  runName: string;
  userId: string;
  status: 'RUNNING' | 'SCHEDULED' | 'FINISHED' | 'FAILED' | 'KILLED';
  startTime: number;
  endTime: number | null;
  artifactUri: string;
  lifecycleStage: 'active' | 'deleted';
  deletedTime: number | null;
  params: { key: string; value: string }[];
  tags: { key: string; value: string }[];
  metrics: SampleMetric[];
  datasets: SampleDataset[];
}
export interface SampleExperiment {
  experimentId: string;
  name: string;
  artifactLocation: string;
  lifecycleStage: 'active' | 'deleted';
  creationTime: number;
  lastUpdateTime: number;
  tags: { key: string; value: string }[];
}
export interface SampleVersion {
  version: number;
  creationTimestamp: number;
  lastUpdatedTimestamp: number;
  userId?: string;
  currentStage: string;
  description?: string;
  source: string;
  storageLocation: string;
  runId?: string;
  runLink?: string;
  status: string;
  statusMessage?: string;
  tags: { key: string; value: string }[];
  /** A version MLflow deleted (kept as `Deleted_Internal` in SQL, absent from mlruns). */
  deleted?: boolean;
}
export interface SampleModel {
  name: string;
  creationTimestamp: number;
  lastUpdatedTimestamp: number;
  description?: string;
  tags: { key: string; value: string }[];
  versions: SampleVersion[];
  aliases: { alias: string; version: number }[];
}
export interface MlflowSample {
  experiments: SampleExperiment[];
  runs: SampleRun[];
  models: SampleModel[];
}

const T = 1_700_000_000_000;
const RUN_A = 'a1b2c3d4e5f60718293a4b5c6d7e8f90';
const RUN_B = 'b0c1d2e3f405162738495a6b7c8d9e0f';
const RUN_C = 'c9d8e7f6a5b4c3d2e1f0a9b8c7d6e5f4';
const RUN_D = 'd4e5f60718293a4b5c6d7e8f90a1b2c3';

/** The sample; `defaultArtifactLocation` is where MLflow put experiment 0's artifacts. */
export function mlflowSample(defaultArtifactLocation = 'mlflow-artifacts:/0'): MlflowSample {
  const loss: SampleMetric[] = [0, 1, 2, 3, 4].map((step) => ({ key: 'loss', value: step === 2 ? Number.NaN : 1 / (step + 1), timestamp: T + 1000 + step, step }));
  return {
    experiments: [
      { experimentId: '0', name: 'Default', artifactLocation: defaultArtifactLocation, lifecycleStage: 'active', creationTime: T, lastUpdateTime: T, tags: [{ key: 'mlflow.note.content', value: 'default notes' }] },
      { experimentId: '1', name: 'fraud', artifactLocation: 's3://team-bucket/mlflow/1', lifecycleStage: 'active', creationTime: T + 10, lastUpdateTime: T + 20, tags: [{ key: 'team', value: 'risk' }] },
      { experimentId: '7', name: 'archived', artifactLocation: 'file:///srv/mlruns/7', lifecycleStage: 'deleted', creationTime: T + 30, lastUpdateTime: T + 40, tags: [] },
    ],
    runs: [
      {
        runId: RUN_A, experimentId: '1', runName: 'brave-owl-1', userId: 'alice', status: 'FINISHED', startTime: T + 100, endTime: T + 200,
        artifactUri: `s3://team-bucket/mlflow/1/${RUN_A}/artifacts`, lifecycleStage: 'active', deletedTime: null,
        params: [{ key: 'lr', value: '0.01' }, { key: 'model/depth', value: '6' }],
        tags: [{ key: 'mlflow.runName', value: 'brave-owl-1' }, { key: 'mlflow.user', value: 'alice' }, { key: 'note', value: 'multi\nline' }],
        metrics: [...loss, { key: 'acc', value: 0.93, timestamp: T + 1100, step: 7 }, { key: 'acc', value: -2.5e-12, timestamp: T + 1000, step: 3 }],
        datasets: [{ name: 'train', digest: 'abc123', sourceType: 'local', source: '{"uri": "/data/train.csv"}', schema: '{"mlflow_colspec": []}', profile: '{"num_rows": 10}', tags: [{ key: 'mlflow.data.context', value: 'training' }] }],
      },
      {
        runId: RUN_B, experimentId: '1', runName: 'calm-fox-2', userId: 'bob', status: 'KILLED', startTime: T + 300, endTime: T + 350,
        artifactUri: `s3://team-bucket/mlflow/1/${RUN_B}/artifacts`, lifecycleStage: 'deleted', deletedTime: T + 400,
        params: [], tags: [{ key: 'mlflow.runName', value: 'calm-fox-2' }],
        metrics: [{ key: 'loss', value: 3, timestamp: T + 310, step: 0 }, { key: 'loss', value: 2, timestamp: T + 320, step: 1 }], datasets: [],
      },
      {
        runId: RUN_C, experimentId: '7', runName: 'old-run', userId: 'carol', status: 'FAILED', startTime: T + 500, endTime: T + 510,
        artifactUri: `file:///srv/mlruns/7/${RUN_C}/artifacts`, lifecycleStage: 'deleted', deletedTime: T + 520,
        params: [{ key: 'seed', value: '42' }], tags: [{ key: 'mlflow.runName', value: 'old-run' }], metrics: [], datasets: [],
      },
      {
        runId: RUN_D, experimentId: '0', runName: 'still-running', userId: 'dave', status: 'RUNNING', startTime: T + 600, endTime: null,
        artifactUri: `${defaultArtifactLocation}/${RUN_D}/artifacts`, lifecycleStage: 'active', deletedTime: null,
        params: [{ key: 'batch', value: '32' }], tags: [{ key: 'mlflow.runName', value: 'still-running' }],
        metrics: [{ key: 'throughput', value: 120.5, timestamp: T + 610, step: 0 }], datasets: [],
      },
    ],
    models: [
      {
        name: 'fraud-model', creationTimestamp: T + 700, lastUpdatedTimestamp: T + 900, description: 'detects fraud', tags: [{ key: 'owner', value: 'risk' }],
        versions: [
          { version: 1, creationTimestamp: T + 710, lastUpdatedTimestamp: T + 720, userId: 'alice', currentStage: 'Archived', source: `s3://team-bucket/mlflow/1/${RUN_A}/artifacts/model`, storageLocation: `s3://team-bucket/mlflow/1/${RUN_A}/artifacts/model`, runId: RUN_A, status: 'READY', tags: [{ key: 'validated', value: 'true' }] },
          { version: 2, creationTimestamp: T + 730, lastUpdatedTimestamp: T + 740, currentStage: 'None', source: 's3://x/2', storageLocation: 's3://x/2', status: 'READY', tags: [], deleted: true },
          { version: 3, creationTimestamp: T + 750, lastUpdatedTimestamp: T + 900, userId: 'bob', currentStage: 'Production', description: 'v3', source: `models:/fraud-model/1`, storageLocation: `s3://team-bucket/mlflow/1/${RUN_A}/artifacts/model`, runId: RUN_A, runLink: 'https://ci.example.com/42', status: 'READY', statusMessage: 'ok', tags: [] },
        ],
        aliases: [{ alias: 'champion', version: 3 }],
      },
      { name: 'empty-model', creationTimestamp: T + 800, lastUpdatedTimestamp: T + 800, tags: [], versions: [], aliases: [] },
    ],
  };
}

function literal(value: unknown, dialect: MlflowDialect): string {
  if (value === null || value === undefined) return 'NULL';
  if (typeof value === 'boolean') return dialect === 'postgres' ? String(value) : value ? '1' : '0';
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : '0';
  return `'${String(value).replace(/'/g, "''")}'`;
}

function insert(table: string, row: Record<string, unknown>, dialect: MlflowDialect): string {
  const columns = Object.keys(row);
  return `INSERT INTO ${table} (${columns.join(', ')}) VALUES (${columns.map((c) => literal(row[c], dialect)).join(', ')})`;
}

/** INSERT statements writing the sample into a database made with `mlflowSchemaStatements` (experiment 0 exists). */
export function mlflowSampleInserts(sample: MlflowSample, dialect: MlflowDialect): string[] {
  const out: string[] = [];
  for (const e of sample.experiments) {
    if (e.experimentId === '0') {
      out.push(`UPDATE experiments SET artifact_location = ${literal(e.artifactLocation, dialect)}, creation_time = ${e.creationTime}, last_update_time = ${e.lastUpdateTime} WHERE experiment_id = 0`);
    } else {
      out.push(insert('experiments', { experiment_id: Number(e.experimentId), name: e.name, artifact_location: e.artifactLocation, lifecycle_stage: e.lifecycleStage, creation_time: e.creationTime, last_update_time: e.lastUpdateTime }, dialect));
    }
    for (const t of e.tags) out.push(insert('experiment_tags', { key: t.key, value: t.value, experiment_id: Number(e.experimentId) }, dialect));
  }
  let datasetNumber = 0;
  for (const r of sample.runs) {
    out.push(insert('runs', {
      run_uuid: r.runId, name: r.runName, source_type: 'LOCAL', source_name: '', entry_point_name: '', user_id: r.userId, status: r.status,
      start_time: r.startTime, end_time: r.endTime, deleted_time: r.deletedTime, source_version: '', lifecycle_stage: r.lifecycleStage,
      artifact_uri: r.artifactUri, experiment_id: Number(r.experimentId),
    }, dialect));
    for (const p of r.params) out.push(insert('params', { key: p.key, value: p.value, run_uuid: r.runId }, dialect));
    for (const t of r.tags) out.push(insert('tags', { key: t.key, value: t.value, run_uuid: r.runId }, dialect));
    const latest = new Map<string, SampleMetric>();
    for (const m of r.metrics) {
      const nan = Number.isNaN(m.value);
      out.push(insert('metrics', { key: m.key, value: nan ? 0 : m.value, timestamp: m.timestamp, run_uuid: r.runId, step: m.step, is_nan: nan }, dialect));
      const current = latest.get(m.key);
      if (!current || m.step > current.step || (m.step === current.step && m.timestamp > current.timestamp)) latest.set(m.key, m);
    }
    for (const m of latest.values()) {
      const nan = Number.isNaN(m.value);
      out.push(insert('latest_metrics', { key: m.key, value: nan ? 0 : m.value, timestamp: m.timestamp, step: m.step, is_nan: nan, run_uuid: r.runId }, dialect));
    }
    for (const d of r.datasets) {
      datasetNumber++;
      const datasetUuid = `dataset-${datasetNumber}`;
      const inputUuid = `input-${datasetNumber}`;
      out.push(insert('datasets', { dataset_uuid: datasetUuid, experiment_id: Number(r.experimentId), name: d.name, digest: d.digest, dataset_source_type: d.sourceType, dataset_source: d.source, dataset_schema: d.schema ?? null, dataset_profile: d.profile ?? null }, dialect));
      out.push(insert('inputs', { input_uuid: inputUuid, source_type: 'DATASET', source_id: datasetUuid, destination_type: 'RUN', destination_id: r.runId }, dialect));
      for (const t of d.tags) out.push(insert('input_tags', { input_uuid: inputUuid, name: t.key, value: t.value }, dialect));
    }
  }
  for (const m of sample.models) {
    out.push(insert('registered_models', { name: m.name, creation_time: m.creationTimestamp, last_updated_time: m.lastUpdatedTimestamp, description: m.description ?? null }, dialect));
    for (const t of m.tags) out.push(insert('registered_model_tags', { key: t.key, value: t.value, name: m.name }, dialect));
    for (const v of m.versions) {
      out.push(insert('model_versions', {
        name: m.name, version: v.version, creation_time: v.creationTimestamp, last_updated_time: v.lastUpdatedTimestamp, description: v.description ?? null,
        user_id: v.userId ?? null, current_stage: v.deleted ? 'Deleted_Internal' : v.currentStage, source: v.source, run_id: v.runId ?? null,
        status: v.status, status_message: v.statusMessage ?? null, run_link: v.runLink ?? null, storage_location: v.storageLocation,
      }, dialect));
      for (const t of v.tags) out.push(insert('model_version_tags', { key: t.key, value: t.value, name: m.name, version: v.version }, dialect));
    }
    for (const a of m.aliases) out.push(insert('registered_model_aliases', { alias: a.alias, version: a.version, name: m.name }, dialect));
  }
  return out;
}

const STATUS_NUMBER = { RUNNING: 1, SCHEDULED: 2, FINISHED: 3, FAILED: 4, KILLED: 5 } as const;

function yamlScalar(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'number') return String(value);
  return JSON.stringify(String(value));
}

function writeYaml(dir: string, fields: Record<string, unknown>): void {
  mkdirSync(dir, { recursive: true });
  const lines = Object.entries(fields).map(([k, v]) => {
    if (Array.isArray(v)) return `${k}: []`;
    if (v !== null && typeof v === 'object') {
      const entries = Object.entries(v as Record<string, unknown>);
      return entries.length === 0 ? `${k}: {}` : `${k}:\n${entries.map(([a, b]) => `  ${JSON.stringify(a)}: ${yamlScalar(b)}`).join('\n')}`;
    }
    return `${k}: ${yamlScalar(v)}`;
  });
  writeFileSync(path.join(dir, 'meta.yaml'), `${lines.join('\n')}\n`);
}

function writeKeyFiles(dir: string, items: { key: string; value: string }[]): void {
  mkdirSync(dir, { recursive: true });
  for (const { key, value } of items) {
    const file = path.join(dir, ...key.split('/'));
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, value);
  }
}

/** Python's `str(float)` for the values the sample uses. */
function pythonFloat(value: number): string {
  if (Number.isNaN(value)) return 'nan';
  if (Number.isInteger(value)) return `${value}.0`;
  return String(value);
}

/**
 * Writes the sample as MLflow's file store lays it out under `root` (an `mlruns/` folder):
 * experiment and run `meta.yaml` files (run status as MLflow's integer enum), `params/`, `tags/`,
 * `metrics/` lines `timestamp value step`, `datasets/` and `inputs/`, deleted experiments under
 * `.trash/`, and the registry under `models/`.
 */
export function writeMlrunsSample(sample: MlflowSample, root: string): void {
  const experimentDir = (id: string) => {
    const e = sample.experiments.find((x) => x.experimentId === id)!;
    return path.join(root, ...(e.lifecycleStage === 'deleted' ? ['.trash', id] : [id]));
  };
  for (const e of sample.experiments) {
    const dir = experimentDir(e.experimentId);
    writeYaml(dir, { artifact_location: e.artifactLocation, creation_time: e.creationTime, experiment_id: e.experimentId, last_update_time: e.lastUpdateTime, lifecycle_stage: e.lifecycleStage, name: e.name });
    writeKeyFiles(path.join(dir, 'tags'), e.tags);
  }
  let n = 0;
  for (const r of sample.runs) {
    const expDir = experimentDir(r.experimentId);
    const dir = path.join(expDir, r.runId);
    writeYaml(dir, {
      artifact_uri: r.artifactUri, end_time: r.endTime, entry_point_name: '', experiment_id: r.experimentId, lifecycle_stage: r.lifecycleStage,
      run_id: r.runId, run_name: r.runName, run_uuid: r.runId, source_name: '', source_type: 4, source_version: '', start_time: r.startTime,
      status: STATUS_NUMBER[r.status], tags: [], user_id: r.userId, ...(r.deletedTime !== null ? { deleted_time: r.deletedTime } : {}),
    });
    writeKeyFiles(path.join(dir, 'params'), r.params);
    writeKeyFiles(path.join(dir, 'tags'), r.tags);
    mkdirSync(path.join(dir, 'metrics'), { recursive: true });
    mkdirSync(path.join(dir, 'artifacts'), { recursive: true });
    const byKey = new Map<string, SampleMetric[]>();
    for (const m of r.metrics) byKey.set(m.key, [...(byKey.get(m.key) ?? []), m]);
    writeKeyFiles(path.join(dir, 'metrics'), [...byKey].map(([key, ms]) => ({ key, value: ms.map((m) => `${m.timestamp} ${pythonFloat(m.value)} ${m.step}\n`).join('') })));
    for (const d of r.datasets) {
      n++;
      const datasetId = `d${n}`.padEnd(32, '0');
      writeYaml(path.join(expDir, 'datasets', datasetId), { digest: d.digest, name: d.name, profile: d.profile ?? null, schema: d.schema ?? null, source: d.source, source_type: d.sourceType });
      writeYaml(path.join(dir, 'inputs', `i${n}`.padEnd(32, '0')), {
        destination_id: datasetId, destination_type: 'RUN', source_id: datasetId, source_type: 'DATASET',
        tags: Object.fromEntries(d.tags.map((t) => [t.key, t.value])),
      });
    }
  }
  for (const m of sample.models) {
    const dir = path.join(root, 'models', m.name);
    writeYaml(dir, { creation_timestamp: m.creationTimestamp, description: m.description ?? null, last_updated_timestamp: m.lastUpdatedTimestamp, name: m.name });
    writeKeyFiles(path.join(dir, 'tags'), m.tags);
    writeKeyFiles(path.join(dir, 'aliases'), m.aliases.map((a) => ({ key: a.alias, value: String(a.version) })));
    for (const v of m.versions) {
      if (v.deleted) continue;
      const vdir = path.join(dir, `version-${v.version}`);
      writeYaml(vdir, {
        creation_timestamp: v.creationTimestamp, current_stage: v.currentStage, description: v.description ?? null, last_updated_timestamp: v.lastUpdatedTimestamp,
        name: m.name, run_id: v.runId ?? null, run_link: v.runLink ?? null, source: v.source, status: v.status, status_message: v.statusMessage ?? null,
        storage_location: v.storageLocation, user_id: v.userId ?? null, version: v.version,
      });
      writeKeyFiles(path.join(vdir, 'tags'), v.tags);
    }
  }
}
