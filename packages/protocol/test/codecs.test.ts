/**
 * Every entity the protocol encodes comes back unchanged through its decoder, after a trip
 * through JSON text (what the wire carries); and every encoder writes only properties its message
 * schema lists, in the schema's order (the server's serializer keeps that order and drops any
 * property the schema does not list).
 */
import { describe, expect, it } from 'vitest';
import type { Experiment, ModelVersion, RegisteredModel, Run, RunMetric, StoredAuditEntry } from '@orrery/core';
import {
  DatasetInput as DatasetInputMessage,
  Experiment as ExperimentMessage,
  FileInfo as FileInfoMessage,
  MetricWithRunId,
  ModelVersion as ModelVersionMessage,
  RegisteredModel as RegisteredModelMessage,
  Run as RunMessage,
  RunInfo as RunInfoMessage,
  UserMessage,
  ApiTokenMessage,
  AuditEntryMessage,
  apiTokenFromWire,
  apiTokenToWire,
  auditEntryFromWire,
  auditEntryToWire,
  datasetInputFromWire,
  datasetInputToWire,
  errorResponseFromWire,
  errorResponseToWire,
  experimentFromWire,
  experimentToWire,
  fileInfoFromWire,
  fileInfoToWire,
  modelVersionFromWire,
  modelVersionToWire,
  registeredModelFromWire,
  registeredModelToWire,
  runFromWire,
  runMetricFromWire,
  runMetricToWire,
  runToWire,
  userFromWire,
  userToWire,
  type JsonSchema,
  type WireMessage,
} from '@orrery/protocol';

/** Through JSON text and back, as on the wire. */
const overTheWire = (message: WireMessage): WireMessage => JSON.parse(JSON.stringify(message)) as WireMessage;

/** Fails when `wire` has a property `schema` does not list, or lists them out of the schema's order; recurses into messages. */
function expectWrittenInSchemaOrder(wire: WireMessage, schema: JsonSchema, at = schema.title ?? 'message'): void {
  const declared = Object.keys(schema.properties ?? {});
  const written = Object.keys(wire);
  expect(written.filter((name) => !declared.includes(name)), `${at}: properties the schema does not list`).toEqual([]);
  expect(written, `${at}: written in schema order`).toEqual(declared.filter((name) => written.includes(name)));
  for (const name of written) {
    const field = schema.properties![name]!;
    const value = wire[name];
    if (field.type === 'object' && field.properties !== undefined) expectWrittenInSchemaOrder(value as WireMessage, field, `${at}.${name}`);
    if (field.type === 'array' && field.items?.properties !== undefined) {
      for (const item of value as WireMessage[]) expectWrittenInSchemaOrder(item, field.items, `${at}.${name}[]`);
    }
  }
}

const experiment: Experiment = {
  experimentId: '7',
  name: 'exp',
  artifactLocation: 'mlflow-artifacts:/7',
  lifecycleStage: 'deleted',
  creationTime: 1_700_000_000_000,
  lastUpdateTime: 1_700_000_000_500,
  tags: [{ key: 'team', value: 'a' }, { key: 'empty', value: '' }],
};

const run: Run = {
  info: {
    runId: 'a'.repeat(32),
    runName: 'r',
    experimentId: '7',
    userId: 'u',
    status: 'FINISHED',
    startTime: 1,
    endTime: 9_007_199_254_740_991,
    artifactUri: 'mlflow-artifacts:/7/run/artifacts',
    lifecycleStage: 'active',
  },
  data: {
    metrics: [
      { key: 'nan', value: Number.NaN, timestamp: 1, step: -3 },
      { key: 'inf', value: Number.POSITIVE_INFINITY, timestamp: 2, step: 0 },
      { key: 'ninf', value: Number.NEGATIVE_INFINITY, timestamp: 3, step: 9_007_199_254_740_991 },
      { key: 'tiny', value: 1e-300, timestamp: 4, step: 1 },
    ],
    params: [{ key: 'p', value: '' }],
    tags: [{ key: 'mlflow.runName', value: 'r' }],
  },
  inputs: {
    datasetInputs: [
      {
        tags: [{ key: 'mlflow.data.context', value: 'train' }],
        dataset: { name: 'd', digest: 'abc', sourceType: 'local', source: '{"uri": "x"}', schema: '{}', profile: '{"rows": 1}' },
      },
      { tags: [], dataset: { name: 'bare', digest: '0', sourceType: 'http', source: 'https://example.com/d.csv' } },
    ],
  },
};

const runningRun: Run = {
  info: { ...run.info, status: 'RUNNING', endTime: null },
  data: { metrics: [], params: [], tags: [] },
  inputs: { datasetInputs: [] },
};

const version: ModelVersion = {
  name: 'm',
  version: '3',
  creationTimestamp: 10,
  lastUpdatedTimestamp: 20,
  userId: 'u',
  currentStage: 'Production',
  description: '',
  source: 'runs:/abc/model',
  runId: 'abc',
  status: 'FAILED_REGISTRATION',
  statusMessage: 'copy failed',
  tags: [{ key: 'k', value: 'v' }],
  runLink: 'http://x/run',
  aliases: ['champion', 'blue'],
};

const bareVersion: ModelVersion = {
  name: 'm',
  version: '1',
  creationTimestamp: 10,
  lastUpdatedTimestamp: 10,
  currentStage: 'None',
  source: 's3://b/m',
  status: 'READY',
  tags: [],
  aliases: [],
};

const model: RegisteredModel = {
  name: 'm',
  creationTimestamp: 10,
  lastUpdatedTimestamp: 30,
  userId: 'u',
  description: 'the model',
  latestVersions: [version, bareVersion],
  tags: [{ key: 'owner', value: 'a' }],
  aliases: [{ alias: 'champion', version: '3' }],
};

describe('protocol codecs: entity → MLflow JSON → entity', () => {
  it('experiments', () => {
    const wire = experimentToWire(experiment);
    expectWrittenInSchemaOrder(wire, ExperimentMessage);
    expect(experimentFromWire(overTheWire(wire))).toEqual(experiment);
    expect(experimentFromWire(overTheWire(experimentToWire({ ...experiment, tags: [] })))).toEqual({ ...experiment, tags: [] });
  });

  it('runs: NaN and ±Infinity, int64 extremes, dataset inputs with and without schema, profile and tags, a run not ended', () => {
    for (const entity of [run, runningRun]) {
      const wire = runToWire(entity);
      expectWrittenInSchemaOrder(wire, RunMessage);
      expect(runFromWire(overTheWire(wire))).toEqual(entity);
    }
    expect(runToWire(runningRun)).toEqual({ info: expect.not.objectContaining({ end_time: expect.anything() }), data: {}, inputs: {} });
    expectWrittenInSchemaOrder(runToWire(run).info as WireMessage, RunInfoMessage);
  });

  it('dataset inputs as a log-inputs request carries them: unset fields and empty tag lists left out', () => {
    for (const input of run.inputs.datasetInputs) {
      const wire = datasetInputToWire(input);
      expectWrittenInSchemaOrder(wire, DatasetInputMessage);
      expect(datasetInputFromWire(overTheWire(wire))).toEqual(input);
    }
    const bare = datasetInputToWire(run.inputs.datasetInputs[1]!);
    expect(bare).toEqual({ dataset: { name: 'bare', digest: '0', source_type: 'http', source: 'https://example.com/d.csv' } });
  });

  it('metrics with their run id', () => {
    const metric: RunMetric = { key: 'm', value: Number.NaN, timestamp: 5, step: 6, runId: 'r' };
    const wire = runMetricToWire(metric);
    expectWrittenInSchemaOrder(wire, MetricWithRunId);
    expect(wire.value).toBe('NaN');
    expect(runMetricFromWire(overTheWire(wire))).toEqual(metric);
  });

  it('artifact file infos: files with sizes, folders without', () => {
    const file = fileInfoToWire('a.bin', { path: 'dir/a.bin', isDir: false, fileSize: 0 });
    const folder = fileInfoToWire('dir', { path: 'dir', isDir: true });
    expectWrittenInSchemaOrder(file, FileInfoMessage);
    expect(fileInfoFromWire(overTheWire(file))).toEqual({ path: 'a.bin', isDir: false, fileSize: 0 });
    expect(fileInfoFromWire(overTheWire(folder))).toEqual({ path: 'dir', isDir: true });
  });

  it('registered models and model versions, with and without their optional fields', () => {
    for (const entity of [version, bareVersion]) {
      const wire = modelVersionToWire(entity);
      expectWrittenInSchemaOrder(wire, ModelVersionMessage);
      expect(modelVersionFromWire(overTheWire(wire))).toEqual(entity);
    }
    const wire = registeredModelToWire(model);
    expectWrittenInSchemaOrder(wire, RegisteredModelMessage);
    expect(registeredModelFromWire(overTheWire(wire))).toEqual(model);
    // The status enum read back by number too, as protobuf readers accept it.
    expect(modelVersionFromWire({ ...modelVersionToWire(bareVersion), status: 1 }).status).toBe('PENDING_REGISTRATION');
  });

  it("the basic-auth app's users, tokens and audit entries", () => {
    const user = { user: { id: 2, username: 'bob', passwordHash: 'secret-hash', isAdmin: false }, experimentPermissions: [{ experimentId: '1', userId: 2, permission: 'READ' as const }], registeredModelPermissions: [{ name: 'm', userId: 2, permission: 'MANAGE' as const }] };
    const wireUser = userToWire(user);
    expectWrittenInSchemaOrder(wireUser, UserMessage);
    expect(JSON.stringify(wireUser)).not.toContain('secret-hash');
    expect(userFromWire(overTheWire(wireUser))).toEqual({ id: 2, username: 'bob', isAdmin: false, experimentPermissions: user.experimentPermissions, registeredModelPermissions: user.registeredModelPermissions });
    const token = { id: 'abc', name: 'ci', userId: 2, secretHash: 'h', createdAt: 1, expiresAt: 2 };
    const wireToken = apiTokenToWire(token, 'bob');
    expectWrittenInSchemaOrder(wireToken, ApiTokenMessage);
    expect(JSON.stringify(wireToken)).not.toContain('"h"');
    expect(apiTokenFromWire(overTheWire(wireToken))).toEqual({ id: 'abc', name: 'ci', username: 'bob', createdAt: 1, expiresAt: 2 });
    const entry: StoredAuditEntry = { seq: 4, timestamp: 5, action: 'POST /x', status: 403, remoteAddress: '127.0.0.1' };
    const wireEntry = auditEntryToWire(entry);
    expectWrittenInSchemaOrder(wireEntry, AuditEntryMessage);
    expect(auditEntryFromWire(overTheWire(wireEntry))).toEqual(entry);
  });

  it('error answers', () => {
    const wire = errorResponseToWire({ errorCode: 'RESOURCE_DOES_NOT_EXIST', message: "Run 'x' not found" });
    expect(wire).toEqual({ error_code: 'RESOURCE_DOES_NOT_EXIST', message: "Run 'x' not found" });
    expect(errorResponseFromWire(overTheWire(wire))).toEqual({ errorCode: 'RESOURCE_DOES_NOT_EXIST', message: "Run 'x' not found" });
    expect(errorResponseFromWire({ message: 'm' })).toEqual({ errorCode: '', message: 'm' });
    expect(errorResponseFromWire({ error_code: 'X' })).toBeUndefined();
    expect(errorResponseFromWire('text')).toBeUndefined();
  });
});
