import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { expect } from 'vitest';
import { readWholeMetricHistory, type Metric, type ModelRegistryStore, type TrackingStore } from '@orrery/core';
import { PostgresExecutor, parsePostgresUri } from '@orrery/plugin-postgres';
import { SqliteExecutor } from '@orrery/plugin-sqlite';
import { trustedSql } from '@orrery/sql';
import type { MlflowSample } from '@orrery/testkit';
import { mlflowSampleInserts, mlflowSchemaStatements, uniqueNamespace, writeMlrunsSample, MLFLOW_HEAD_REVISION } from '@orrery/testkit';

/** Builds an MLflow SQLite database holding `sample` (schema from our DDL), returns its URI. */
export async function makeMlflowSqlite(file: string, sample: MlflowSample, revision = MLFLOW_HEAD_REVISION): Promise<string> {
  mkdirSync(path.dirname(file), { recursive: true });
  const db = new SqliteExecutor(file, { searchThread: false });
  try {
    for (const statement of [...mlflowSchemaStatements('sqlite', revision), ...mlflowSampleInserts(sample, 'sqlite')]) await db.run(trustedSql(statement));
  } finally {
    await db.close();
  }
  return `sqlite:///${file}`;
}

/** Builds an MLflow PostgreSQL database (in a fresh schema of the server at `serverUrl`) holding `sample`; returns its URI and a cleanup. */
export async function makeMlflowPostgres(serverUrl: string, sample: MlflowSample, revision?: string): Promise<{ uri: string; drop: () => Promise<void> }> {
  const schema = uniqueNamespace('mlflow');
  const admin = new PostgresExecutor(parsePostgresUri(serverUrl).poolConfig);
  await admin.run(trustedSql(`CREATE SCHEMA ${schema}`));
  const uri = `${serverUrl}${serverUrl.includes('?') ? '&' : '?'}schema=${schema}`;
  const db = new PostgresExecutor(parsePostgresUri(uri).poolConfig);
  try {
    for (const statement of [...mlflowSchemaStatements('postgres', revision), ...mlflowSampleInserts(sample, 'postgres')]) await db.run(trustedSql(statement));
  } finally {
    await db.close();
  }
  return {
    uri,
    drop: async () => {
      await admin.run(trustedSql(`DROP SCHEMA ${schema} CASCADE`));
      await admin.close();
    },
  };
}

/** Writes `sample` as an mlruns/ tree under `root`. */
export function makeMlruns(root: string, sample: MlflowSample): string {
  writeMlrunsSample(sample, root);
  return root;
}

async function fullHistory(store: TrackingStore, runId: string, key: string): Promise<Metric[]> {
  const out: Metric[] = [];
  for await (const batch of readWholeMetricHistory(store, runId, key)) out.push(...batch);
  return out;
}

const byKey = <T extends { key: string }>(items: readonly T[]) => [...items].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
const sortMetrics = (ms: readonly Metric[]) =>
  [...ms].sort((a, b) => (a.key !== b.key ? (a.key < b.key ? -1 : 1) : a.step - b.step || a.timestamp - b.timestamp));

/**
 * Checks every field of the sample in the Orrery stores after an import: experiments (ids mapped by
 * `ids`), runs with info, params, tags, latest metrics, full histories and dataset inputs, and the
 * registry's models, versions, tags and aliases.
 */
export async function expectImported(
  sample: MlflowSample,
  tracking: TrackingStore,
  registry: ModelRegistryStore | undefined,
  ids: Record<string, string> = {},
): Promise<void> {
  const target = (id: string) => ids[id] ?? id;
  for (const e of sample.experiments) {
    const got = await tracking.getExperiment(target(e.experimentId));
    if (e.experimentId === '0') {
      expect(got.name).toBe('Default');
      for (const tag of e.tags) expect(got.tags).toContainEqual(tag);
      continue;
    }
    expect({ ...got, tags: byKey(got.tags) }).toEqual({ ...e, experimentId: target(e.experimentId), tags: byKey(e.tags) });
  }
  for (const r of sample.runs) {
    const run = await tracking.getRun(r.runId);
    expect(run.info).toEqual({
      runId: r.runId,
      runName: r.runName,
      experimentId: target(r.experimentId),
      userId: r.userId,
      status: r.status,
      startTime: r.startTime,
      endTime: r.endTime,
      artifactUri: r.artifactUri,
      lifecycleStage: r.lifecycleStage,
    });
    expect(byKey(run.data.params)).toEqual(byKey(r.params));
    expect(byKey(run.data.tags)).toEqual(byKey(r.tags));
    const keys = [...new Set(r.metrics.map((m) => m.key))];
    const latest = keys.map((key) => sortMetrics(r.metrics.filter((m) => m.key === key)).at(-1)!);
    expect(sortMetrics(run.data.metrics)).toEqual(sortMetrics(latest));
    const history: Metric[] = [];
    for (const key of keys) history.push(...(await fullHistory(tracking, r.runId, key)));
    expect(sortMetrics(history)).toEqual(sortMetrics(r.metrics));
    expect(
      run.inputs.datasetInputs.map((d) => ({ ...d.dataset, tags: byKey(d.tags) })),
    ).toEqual(r.datasets.map((d) => ({ ...d, tags: byKey(d.tags) })));
  }
  if (!registry) return;
  for (const m of sample.models) {
    const model = await registry.getRegisteredModel(m.name);
    expect(model.creationTimestamp).toBe(m.creationTimestamp);
    expect(model.lastUpdatedTimestamp).toBe(m.lastUpdatedTimestamp);
    expect(model.description ?? undefined).toBe(m.description);
    expect(byKey(model.tags)).toEqual(byKey(m.tags));
    expect(model.aliases).toEqual(m.aliases.map((a) => ({ alias: a.alias, version: String(a.version) })));
    for (const v of m.versions) {
      if (v.deleted) {
        await expect(registry.getModelVersion(m.name, String(v.version))).rejects.toMatchObject({ code: 'RESOURCE_DOES_NOT_EXIST' });
        continue;
      }
      const got = await registry.getModelVersion(m.name, String(v.version));
      expect({
        creationTimestamp: got.creationTimestamp,
        lastUpdatedTimestamp: got.lastUpdatedTimestamp,
        userId: got.userId || undefined,
        currentStage: got.currentStage,
        description: got.description || undefined,
        source: got.source,
        runId: got.runId || undefined,
        runLink: got.runLink || undefined,
        status: got.status,
        statusMessage: got.statusMessage || undefined,
        tags: byKey(got.tags),
        aliases: got.aliases,
      }).toEqual({
        creationTimestamp: v.creationTimestamp,
        lastUpdatedTimestamp: v.lastUpdatedTimestamp,
        userId: v.userId,
        currentStage: v.currentStage,
        description: v.description,
        source: v.source,
        runId: v.runId,
        runLink: v.runLink,
        status: v.status,
        statusMessage: v.statusMessage,
        tags: byKey(v.tags),
        aliases: m.aliases.filter((a) => a.version === v.version).map((a) => a.alias),
      });
      expect(await registry.getModelVersionDownloadUri(m.name, String(v.version))).toBe(v.storageLocation);
    }
  }
}
