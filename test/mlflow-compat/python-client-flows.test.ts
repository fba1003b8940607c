/**
 * MLflow 2.12.2's Python client, replayed against a real `orrery server` over HTTP. PyPI is not
 * reachable here, so the client itself cannot run; instead each flow sends exactly the requests the
 * client sends (see python-client-wire.ts for the transport and python-rest-store.ts for each
 * RestStore call, both with the MLflow source they were read from) and parses the answers with the
 * protobuf JSON rules the client applies (protobuf-json.ts). Comments on each flow name the
 * `fluent.py` / `client.py` functions whose sequence of calls it reproduces.
 */
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startOrreryServer, type OrreryServerProcess } from './orrery-server-process.js';
import type { ParsedMessage } from './protobuf-json.js';
import {
  HttpError,
  PYTHON_USER_AGENT,
  PythonProxyArtifactRepository,
  PythonRestClient,
  RestException,
  pythonJsonDumps,
  type WireRequest,
} from './python-client-wire.js';
import { PythonRestStore, type PyKeyValue, type PyMetric } from './python-rest-store.js';

let server: OrreryServerProcess;
let client: PythonRestClient;
let store: PythonRestStore;
let scratch: string;

const FIXTURES = fileURLToPath(new URL('../fixtures/mlflow-python-flows/', import.meta.url));

/**
 * Tags the context providers add in `start_run` (`mlflow/tracking/context/default_context.py`:
 * user, source name = sys.argv[0], source type LOCAL; `git_context.py`: the commit when run from a
 * git checkout).
 */
const CONTEXT_TAGS: Record<string, string> = {
  'mlflow.user': 'ada',
  'mlflow.source.name': 'train.py',
  'mlflow.source.type': 'LOCAL',
  'mlflow.source.git.commit': '3f786850e387550fdab836ed7e6dc881de23001b',
};

const tagsOf = (run: ParsedMessage): Record<string, string> =>
  Object.fromEntries((((run.data as ParsedMessage).tags ?? []) as ParsedMessage[]).map((t) => [t.key as string, t.value as string]));
const paramsOf = (run: ParsedMessage): Record<string, string> =>
  Object.fromEntries((((run.data as ParsedMessage).params ?? []) as ParsedMessage[]).map((t) => [t.key as string, t.value as string]));
const metricsOf = (run: ParsedMessage): Record<string, ParsedMessage> =>
  Object.fromEntries((((run.data as ParsedMessage).metrics ?? []) as ParsedMessage[]).map((m) => [m.key as string, m]));
const infoOf = (run: ParsedMessage): ParsedMessage => run.info as ParsedMessage;
const lastSent = (n = 1): WireRequest[] => client.sent.slice(-n);

/** `fluent.set_experiment(experiment_name=...)`: get-by-name, and when absent create + get. */
async function setExperiment(name: string): Promise<ParsedMessage> {
  let experiment = await store.getExperimentByName(name);
  if (experiment === null) {
    const id = await store.createExperiment(name);
    experiment = await store.getExperiment(id);
  }
  if (experiment.lifecycle_stage !== 'active') throw new Error(`Cannot set a deleted experiment '${name}' as the active experiment.`);
  return experiment;
}

/**
 * `fluent.start_run(run_name=..., nested=..., tags=...)` without an existing run id: the user's tags,
 * `mlflow.parentRunId` for a nested run and `mlflow.runName` when a name is given, merged under the
 * context tags; then `MlflowClient.create_run` (`_tracking_service/client.py`), which takes the user
 * id from the `mlflow.user` tag and the start time from the clock.
 */
async function startRun(experimentId: string, options: { runName?: string; parentRunId?: string; tags?: Record<string, string> } = {}): Promise<ParsedMessage> {
  const userTags: Record<string, string> = { ...options.tags };
  if (options.parentRunId !== undefined) userTags['mlflow.parentRunId'] = options.parentRunId;
  if (options.runName) userTags['mlflow.runName'] = options.runName;
  const resolved = { ...CONTEXT_TAGS, ...userTags };
  const tags: PyKeyValue[] = Object.entries(resolved).map(([key, value]) => ({ key, value }));
  return await store.createRun(experimentId, resolved['mlflow.user'] ?? 'unknown', Date.now(), tags, options.runName);
}

/** `fluent.end_run()` → `MlflowClient.set_terminated(run_id, "FINISHED")` → update_run_info(end_time = now, run_name unset). */
async function endRun(runId: string, status = 'FINISHED'): Promise<ParsedMessage> {
  return await store.updateRunInfo(runId, status, Date.now());
}

/**
 * `_tracking_service/client.py` `TrackingServiceClient.log_batch`: params and tags in chunks of 100,
 * each request filled up with metrics to 1000 entities, then the remaining metrics 1000 at a time.
 */
async function logBatch(runId: string, metrics: PyMetric[], params: PyKeyValue[], tags: PyKeyValue[]): Promise<number> {
  const chunks = <T>(items: T[], size: number): T[][] => Array.from({ length: Math.ceil(items.length / size) }, (_, i) => items.slice(i * size, (i + 1) * size));
  let rest = [...metrics];
  let requests = 0;
  const paramChunks = chunks(params, 100);
  const tagChunks = chunks(tags, 100);
  for (let i = 0; i < Math.max(paramChunks.length, tagChunks.length); i += 1) {
    const p = paramChunks[i] ?? [];
    const t = tagChunks[i] ?? [];
    const size = Math.max(Math.min(1000 - p.length - t.length, 1000), 0);
    await store.logBatch(runId, rest.slice(0, size), p, t);
    rest = rest.slice(size);
    requests += 1;
  }
  for (const m of chunks(rest, 1000)) {
    await store.logBatch(runId, m, [], []);
    requests += 1;
  }
  return requests;
}

/** The artifact repository `MlflowClient` opens for a run (`_get_artifact_repo`: get_run, then by URI scheme). */
async function proxyRepoForRun(runId: string): Promise<PythonProxyArtifactRepository> {
  const run = await store.getRun(runId);
  const uri = infoOf(run).artifact_uri as string;
  expect(uri.startsWith('mlflow-artifacts:')).toBe(true);
  return new PythonProxyArtifactRepository(client, uri);
}

/** `local_file_uri_to_path` for the direct (file:) artifact roots. */
const localPathOf = (uri: string): string => fileURLToPath(uri);

beforeAll(async () => {
  server = await startOrreryServer();
  client = new PythonRestClient(server.url);
  store = new PythonRestStore(client);
  scratch = mkdtempSync(path.join(tmpdir(), 'orrery-python-flows-'));
});

afterAll(async () => {
  client?.close();
  await server?.stop();
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

describe('MLflow 2.12.2 Python client flows against orrery server', () => {
  it('mlflow.set_experiment: get-by-name answers RESOURCE_DOES_NOT_EXIST, then create and get; the second time it finds it', async () => {
    const name = '/Users/ada/churn model – v2';
    const before = client.sent.length;
    const experiment = await setExperiment(name);
    const [lookup, create, get] = client.sent.slice(before);
    // GET query string as requests encodes it: quote_plus, so spaces are '+', '/' and non-ASCII percent-encoded
    expect(lookup).toMatchObject({ method: 'GET', url: '/api/2.0/mlflow/experiments/get-by-name?experiment_name=%2FUsers%2Fada%2Fchurn+model+%E2%80%93+v2' });
    expect(lookup!.headers).toMatchObject({ 'User-Agent': PYTHON_USER_AGENT, Accept: '*/*', 'Accept-Encoding': 'gzip, deflate' });
    expect(lookup!.headers).not.toHaveProperty('Content-Type');
    // POST JSON body as json.dumps writes it: ", " / ": " separators, non-ASCII as \u escapes
    expect(create).toMatchObject({ method: 'POST', url: '/api/2.0/mlflow/experiments/create' });
    expect(create!.headers['Content-Type']).toBe('application/json');
    expect(create!.body!.toString()).toBe('{"name": "/Users/ada/churn model \\u2013 v2"}');
    expect(get).toMatchObject({ method: 'GET', url: expect.stringMatching(/^\/api\/2\.0\/mlflow\/experiments\/get\?experiment_id=\d+$/) });

    expect(experiment).toMatchObject({ name, lifecycle_stage: 'active' });
    expect(experiment.artifact_location).toBe(`mlflow-artifacts:/${experiment.experiment_id as string}`);
    expect(typeof experiment.creation_time).toBe('number');

    const again = await setExperiment(name);
    expect(again.experiment_id).toBe(experiment.experiment_id);
    expect(client.sent.length).toBe(before + 4); // one get-by-name, no create
  });

  it('start_run / log_param / log_metric / set_tag / end_run', async () => {
    const experiment = await setExperiment('python flows: basic');
    const experimentId = experiment.experiment_id as string;
    const run = await startRun(experimentId, { runName: 'baseline', tags: { team: 'vision' } });
    const info = infoOf(run);
    const runId = info.run_id as string;
    expect(runId).toMatch(/^[0-9a-f]{32}$/);
    expect(info).toMatchObject({ run_uuid: runId, experiment_id: experimentId, run_name: 'baseline', user_id: 'ada', status: 'RUNNING', lifecycle_stage: 'active' });
    expect(info.artifact_uri).toBe(`mlflow-artifacts:/${experimentId}/${runId}/artifacts`);
    expect(info).not.toHaveProperty('end_time');
    expect(tagsOf(run)).toMatchObject({ ...CONTEXT_TAGS, team: 'vision', 'mlflow.runName': 'baseline' });
    const createBody = JSON.parse(lastSent()[0]!.body!.toString()) as Record<string, unknown>;
    expect(Object.keys(createBody)).toEqual(['experiment_id', 'user_id', 'run_name', 'start_time', 'tags']);
    expect(typeof createBody.start_time).toBe('number'); // message_to_json turns int64 back into numbers

    // fluent.log_param → Param(key, str(value)); fluent.log_metric → float(value), timestamp now, step 0
    await store.logParam(runId, { key: 'lr', value: '0.01' });
    await store.logParam(runId, { key: 'note', value: 'café ☕' });
    const t = Date.now();
    await store.logMetric(runId, { key: 'loss', value: 3, timestamp: t, step: 0 });
    expect(lastSent()[0]!.body!.toString()).toBe(
      `{"run_uuid": "${runId}", "key": "loss", "value": 3.0, "timestamp": ${t}, "step": 0, "run_id": "${runId}"}`,
    );
    await store.logMetric(runId, { key: 'tiny', value: 1e-5, timestamp: t, step: 0 });
    expect(lastSent()[0]!.body!.toString()).toContain('"value": 1e-05');
    await store.logMetric(runId, { key: 'diverged', value: Number.NaN, timestamp: t, step: 0 });
    expect(lastSent()[0]!.body!.toString()).toContain('"value": "NaN"');
    await store.setTag(runId, { key: 'stage', value: 'dev' });

    // Params are immutable: the same value again is accepted, another one is INVALID_PARAMETER_VALUE (400)
    await store.logParam(runId, { key: 'lr', value: '0.01' });
    const change = await store.logParam(runId, { key: 'lr', value: '0.02' }).catch((e: unknown) => e);
    expect(change).toBeInstanceOf(RestException);
    expect(change).toMatchObject({ status: 400, errorCode: 'INVALID_PARAMETER_VALUE' });

    const fetched = await store.getRun(runId);
    expect(lastSent()[0]!.url).toBe(`/api/2.0/mlflow/runs/get?run_uuid=${runId}&run_id=${runId}`);
    expect(paramsOf(fetched)).toEqual({ lr: '0.01', note: 'café ☕' });
    expect(tagsOf(fetched)).toMatchObject({ stage: 'dev', team: 'vision' });
    const metrics = metricsOf(fetched);
    expect(metrics.loss).toEqual({ key: 'loss', value: 3, timestamp: t, step: 0 });
    expect(metrics.tiny!.value).toBe(1e-5);
    expect(Number.isNaN(metrics.diverged!.value)).toBe(true);

    const ended = await endRun(runId);
    const updateBody = JSON.parse(lastSent()[0]!.body!.toString()) as Record<string, unknown>;
    expect(updateBody).toEqual({ run_uuid: runId, status: 'FINISHED', end_time: expect.any(Number), run_id: runId });
    expect(ended).toMatchObject({ run_id: runId, status: 'FINISHED', end_time: updateBody.end_time, run_name: 'baseline' });
  });

  it('an unknown run id is RESOURCE_DOES_NOT_EXIST with status 404', async () => {
    const error = await store.getRun('0123456789abcdef0123456789abcdef').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RestException);
    expect(error).toMatchObject({ status: 404, errorCode: 'RESOURCE_DOES_NOT_EXIST' });
  });

  it('nested runs carry mlflow.parentRunId and are found by it', async () => {
    const experimentId = (await setExperiment('python flows: nested')).experiment_id as string;
    const parent = await startRun(experimentId, { runName: 'sweep' });
    const parentId = infoOf(parent).run_id as string;
    // start_run(nested=True) with no name: the server names the run and records mlflow.runName
    const child = await startRun(experimentId, { parentRunId: parentId });
    const childId = infoOf(child).run_id as string;
    expect(JSON.parse(lastSent()[0]!.body!.toString())).not.toHaveProperty('run_name');
    expect(tagsOf(child)['mlflow.parentRunId']).toBe(parentId);
    expect(infoOf(child).run_name).toMatch(/\S/);
    expect(tagsOf(child)['mlflow.runName']).toBe(infoOf(child).run_name);
    await startRun(experimentId, { parentRunId: parentId, runName: 'trial-2' });

    // the MLflow UI and `mlflow.search_runs` find children with this filter
    const page = await store.searchRuns([experimentId], `tags.mlflow.parentRunId = '${parentId}'`, 'ACTIVE_ONLY', 1000, ['attributes.start_time ASC'], undefined);
    expect(page.runs.map((r) => infoOf(r).run_id)).toHaveLength(2);
    expect(page.runs.map((r) => infoOf(r).run_id)).toContain(childId);
    expect(page.nextPageToken).toBeNull();
    await endRun(childId);
    await endRun(parentId);
  });

  it('log_batch (mlflow.log_metrics / log_params / set_tags) in the client’s chunks', async () => {
    const experimentId = (await setExperiment('python flows: batch')).experiment_id as string;
    const runId = infoOf(await startRun(experimentId)).run_id as string;
    const t = Date.now();
    const metrics: PyMetric[] = Array.from({ length: 1500 }, (_, i) => ({ key: 'loss', value: 1 / (i + 1), timestamp: t + i, step: i }));
    const params = [
      { key: 'optimizer', value: 'adam' },
      { key: 'epochs', value: '10' },
      { key: 'dropout', value: '0.1' },
    ];
    const tags = [
      { key: 'dataset', value: 'mnist' },
      { key: 'mlflow.note.content', value: 'first sweep' },
    ];
    const before = client.sent.length;
    expect(await logBatch(runId, metrics, params, tags)).toBe(2);
    const [first, second] = client.sent.slice(before).map((r) => JSON.parse(r.body!.toString()) as Record<string, unknown[]>);
    expect((first!.metrics as unknown[]).length).toBe(995);
    expect(first!.params).toHaveLength(3);
    expect(first!.tags).toHaveLength(2);
    expect(Object.keys(second!)).toEqual(['run_id', 'metrics']); // empty params/tags left out
    expect(second!.metrics).toHaveLength(505);

    const history = await store.getMetricHistory(runId, 'loss');
    expect(history).toHaveLength(1500);
    const byStep = new Map(history.map((m) => [m.step as number, m]));
    expect(byStep.get(0)).toEqual({ key: 'loss', value: 1, timestamp: t, step: 0 });
    expect(byStep.get(1499)).toEqual({ key: 'loss', value: 1 / 1500, timestamp: t + 1499, step: 1499 });
    const run = await store.getRun(runId);
    expect(paramsOf(run)).toEqual({ optimizer: 'adam', epochs: '10', dropout: '0.1' });
    expect(tagsOf(run)).toMatchObject({ dataset: 'mnist', 'mlflow.note.content': 'first sweep' });
  });

  it('MlflowClient.search_runs with filter, order_by and paging through next_page_token', async () => {
    const experimentId = (await setExperiment('python flows: search')).experiment_id as string;
    const ids: string[] = [];
    for (let i = 0; i < 9; i += 1) {
      const runId = infoOf(await startRun(experimentId, { runName: `trial-${i}` })).run_id as string;
      ids.push(runId);
      await logBatch(runId, [{ key: 'score', value: i / 10, timestamp: Date.now(), step: 0 }], [{ key: 'parity', value: i % 2 === 0 ? 'even' : 'odd' }], []);
    }
    const seen: string[] = [];
    const scores: number[] = [];
    let token: string | null = null;
    let pages = 0;
    do {
      const page: { runs: ParsedMessage[]; nextPageToken: string | null } = await store.searchRuns(
        [experimentId],
        "metrics.score > 0.1 and params.parity = 'even'",
        'ACTIVE_ONLY',
        2,
        ['metrics.score DESC'],
        token ?? undefined,
      );
      pages += 1;
      expect(page.runs.length).toBeLessThanOrEqual(2);
      for (const run of page.runs) {
        seen.push(infoOf(run).run_id as string);
        scores.push(metricsOf(run).score!.value as number);
      }
      token = page.nextPageToken;
    } while (token !== null && pages < 10);
    expect(scores).toEqual([0.8, 0.6, 0.4, 0.2]);
    expect(seen).toEqual([ids[8], ids[6], ids[4], ids[2]]);
    const sentSearch = JSON.parse(client.sent.filter((r) => r.url === '/api/2.0/mlflow/runs/search').at(-1)!.body!.toString()) as Record<string, unknown>;
    expect(sentSearch).toMatchObject({ experiment_ids: [experimentId], run_view_type: 'ACTIVE_ONLY', max_results: 2, order_by: ['metrics.score DESC'] });
    expect(typeof sentSearch.page_token).toBe('string');
  });

  it('get_metric_history returns every value with its step and timestamp, non-finite values included', async () => {
    const experimentId = (await setExperiment('python flows: history')).experiment_id as string;
    const runId = infoOf(await startRun(experimentId)).run_id as string;
    const t = Date.now();
    const values = [0.5, 0.25, Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY];
    for (const [step, value] of values.entries()) await store.logMetric(runId, { key: 'val/loss', value, timestamp: t + step, step });
    const history = await store.getMetricHistory(runId, 'val/loss');
    expect(lastSent()[0]!.url).toBe(`/api/2.0/mlflow/metrics/get-history?run_uuid=${runId}&metric_key=val%2Floss&run_id=${runId}`);
    const sorted = [...history].sort((a, b) => (a.step as number) - (b.step as number));
    expect(sorted.map((m) => [m.step, m.timestamp])).toEqual(values.map((_, step) => [step, t + step]));
    expect(sorted.map((m) => m.value)).toEqual(values);
    expect(await store.getMetricHistory(runId, 'never-logged')).toEqual([]);
  });

  it('proxied artifacts (mlflow-artifacts:/): log_artifact(s) PUT, list, download', async () => {
    const experimentId = (await setExperiment('python flows: proxied artifacts')).experiment_id as string;
    const runId = infoOf(await startRun(experimentId)).run_id as string;
    const local = path.join(scratch, 'proxied-upload');
    mkdirSync(path.join(local, 'plots', 'png'), { recursive: true });
    writeFileSync(path.join(local, 'plots', 'loss.csv'), 'step,loss\n0,1.0\n1,0.5\n');
    writeFileSync(path.join(local, 'plots', 'png', 'curve.png'), Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 1, 2, 255]));
    writeFileSync(path.join(local, 'my report.txt'), 'accuracy went up\n');

    const repo = await proxyRepoForRun(runId);
    expect(repo.artifactUri).toBe(`${server.url}/api/2.0/mlflow-artifacts/artifacts/${experimentId}/${runId}/artifacts`);
    // mlflow.log_artifact(local_file): one PUT; mlflow.log_artifacts(dir, "outputs"): one PUT per file
    await repo.logArtifact(path.join(local, 'my report.txt'));
    const put = lastSent()[0]!;
    expect(put).toMatchObject({ method: 'PUT', url: `/api/2.0/mlflow-artifacts/artifacts/${experimentId}/${runId}/artifacts/my%20report.txt` });
    expect(put.headers).toMatchObject({ 'Content-Type': 'text/plain', 'Content-Length': '17', 'User-Agent': PYTHON_USER_AGENT });
    await repo.logArtifacts(path.join(local, 'plots'), 'outputs');

    // MlflowClient.list_artifacts(run_id[, path]) goes through the repository, i.e. the proxy's list
    expect(await repo.listArtifacts()).toEqual([
      { path: 'my report.txt', isDir: false, fileSize: 17 },
      { path: 'outputs', isDir: true, fileSize: null },
    ]);
    expect(lastSent()[0]!.url).toBe(`/api/2.0/mlflow-artifacts/artifacts?path=${experimentId}%2F${runId}%2Fartifacts`);
    expect(await repo.listArtifacts('outputs')).toEqual([
      { path: 'outputs/loss.csv', isDir: false, fileSize: 22 },
      { path: 'outputs/png', isDir: true, fileSize: null },
    ]);
    // download_artifacts tells files from folders by listing: a file must list as empty
    expect(await repo.listArtifacts('outputs/loss.csv')).toEqual([]);

    const dst = mkdtempSync(path.join(scratch, 'download-'));
    const folder = await repo.downloadArtifacts('outputs', dst);
    expect(readFileSync(path.join(folder, 'loss.csv'), 'utf8')).toBe('step,loss\n0,1.0\n1,0.5\n');
    expect(readFileSync(path.join(folder, 'png', 'curve.png'))).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 1, 2, 255]));
    const single = await repo.downloadArtifacts('my report.txt', mkdtempSync(path.join(scratch, 'download-')));
    expect(readFileSync(single, 'utf8')).toBe('accuracy went up\n');

    // The tracking server's own listing route agrees (the UI and the Java/R clients use it)
    const listed = await store.listArtifacts(runId, 'outputs');
    expect(listed.root_uri).toBe(`mlflow-artifacts:/${experimentId}/${runId}/artifacts`);
    expect(listed.files).toEqual([
      { path: 'outputs/loss.csv', is_dir: false, file_size: 22 },
      { path: 'outputs/png', is_dir: true },
    ]);
  });

  it('with MLFLOW_ENABLE_PROXY_MULTIPART_UPLOAD the client asks mpu/create, reads “not supported” and falls back to one PUT', async () => {
    const experimentId = (await setExperiment('python flows: multipart')).experiment_id as string;
    const runId = infoOf(await startRun(experimentId)).run_id as string;
    const repo = await proxyRepoForRun(runId);
    const file = path.join(scratch, 'weights.bin');
    writeFileSync(file, Buffer.alloc(64 * 1024, 7));
    // HttpArtifactRepository.create_multipart_upload: POST <api>/mlflow-artifacts/mpu/create/<root>[/<artifact_path>], json {path, num_parts}
    const [base] = repo.artifactUri.split('/mlflow-artifacts/artifacts');
    const root = repo.artifactUri.split('/mlflow-artifacts/artifacts')[1]!.replace(/^\/+/, '');
    const response = await client.httpRequest('POST', `${base}/mlflow-artifacts/mpu/create/${root}/checkpoints`, { json: { path: file, num_parts: 1 } });
    expect(response.status).toBeGreaterThanOrEqual(400); // augmented_raise_for_status raises HTTPError
    // _try_multipart_upload: falls back only when message starts with _UnsupportedMultipartUploadException.MESSAGE
    const message = (JSON.parse(response.body.toString()) as { message?: string }).message ?? '';
    expect(message.startsWith('Multipart upload is not supported for the current artifact repository')).toBe(true);
    await repo.logArtifact(file, 'checkpoints');
    expect(await repo.listArtifacts('checkpoints')).toEqual([{ path: 'checkpoints/weights.bin', isDir: false, fileSize: 64 * 1024 }]);
  });

  it('direct artifacts (file: artifact root): the client writes and reads the files itself; the server lists them', async () => {
    // A local root the server was told to trust (--allowed-artifact-root): it lists only those.
    const root = path.join(server.directArtifactsDir, 'direct-root');
    const location = `file://${root}`;
    // mlflow.create_experiment(name, artifact_location=...) then set_experiment by name
    const experimentId = await store.createExperiment('python flows: direct artifacts', location);
    const experiment = await setExperiment('python flows: direct artifacts');
    expect(experiment).toMatchObject({ experiment_id: experimentId, artifact_location: location });
    const runId = infoOf(await startRun(experimentId)).run_id as string;
    const artifactUri = infoOf(await store.getRun(runId)).artifact_uri as string;
    expect(artifactUri).toBe(`${location}/${runId}/artifacts`);

    // LocalArtifactRepository.log_artifact: copies into the local folder of the artifact URI
    const dir = localPathOf(artifactUri);
    mkdirSync(path.join(dir, 'reports'), { recursive: true });
    writeFileSync(path.join(dir, 'reports', 'summary.json'), '{"auc": 0.91}');
    writeFileSync(path.join(dir, 'notes.txt'), 'hello');

    // LocalArtifactRepository.list_artifacts / download_artifacts read the folder directly
    expect(readdirSync(dir).sort()).toEqual(['notes.txt', 'reports']);
    expect(readFileSync(path.join(dir, 'reports', 'summary.json'), 'utf8')).toBe('{"auc": 0.91}');

    const top = await store.listArtifacts(runId);
    expect(top.root_uri).toBe(artifactUri);
    expect(top.files).toEqual([
      { path: 'notes.txt', is_dir: false, file_size: 5 },
      { path: 'reports', is_dir: true },
    ]);
    const nested = await store.listArtifacts(runId, 'reports');
    expect(nested.files).toEqual([{ path: 'reports/summary.json', is_dir: false, file_size: 13 }]);
  });

  it('log_model: the model folder through the proxy, runs/log-model, then load_model("runs:/<id>/model") downloads it', async () => {
    const experimentId = (await setExperiment('python flows: models')).experiment_id as string;
    const runId = infoOf(await startRun(experimentId, { runName: 'train' })).run_id as string;

    // Model.log: flavor.save_model writes the folder (a pyfunc model here), metadata/ copies the
    // metadata files, log_artifacts(local_path, "model"), then _record_logged_model(model)
    const modelDir = path.join(scratch, 'model');
    mkdirSync(path.join(modelDir, 'metadata'), { recursive: true });
    const utcTimeCreated = '2024-05-02 09:15:27.123456';
    const modelUuid = '6c1a4b8e2f0d4e4bb1f1c0a5d7e9f311';
    const mlmodel = readFileSync(path.join(FIXTURES, 'MLmodel'), 'utf8')
      .replace('{run_id}', runId)
      .replace('{utc_time_created}', utcTimeCreated)
      .replace('{model_uuid}', modelUuid);
    for (const [name, text] of [
      ['MLmodel', mlmodel],
      ['conda.yaml', readFileSync(path.join(FIXTURES, 'conda.yaml'), 'utf8')],
      ['python_env.yaml', readFileSync(path.join(FIXTURES, 'python_env.yaml'), 'utf8')],
      ['requirements.txt', readFileSync(path.join(FIXTURES, 'requirements.txt'), 'utf8')],
    ] as const) {
      writeFileSync(path.join(modelDir, name), text);
      writeFileSync(path.join(modelDir, 'metadata', name), text);
    }
    writeFileSync(path.join(modelDir, 'python_model.pkl'), Buffer.from('80049500000000000000002e', 'hex'));

    const repo = await proxyRepoForRun(runId);
    await repo.logArtifacts(modelDir, 'model');
    const mlmodelPut = client.sent.find((r) => r.method === 'PUT' && r.url.endsWith('/artifacts/model/MLmodel'));
    expect(mlmodelPut?.headers['Content-Type']).toBe('text/plain');

    // Model.to_json(): json.dumps(to_dict()), unset optional attributes as null
    const modelJson = pythonJsonDumps({
      run_id: runId,
      artifact_path: 'model',
      utc_time_created: utcTimeCreated,
      flavors: {
        python_function: { cloudpickle_version: '3.0.0', python_model: 'python_model.pkl', loader_module: 'mlflow.pyfunc.model', python_version: '3.11.9', env: { conda: 'conda.yaml', virtualenv: 'python_env.yaml' } },
      },
      signature: null,
      saved_input_example_info: null,
      model_uuid: modelUuid,
      mlflow_version: '2.12.2',
      metadata: null,
      model_size_bytes: null,
      resources: null,
    });
    await store.recordLoggedModel(runId, modelJson);
    await endRun(runId);

    const run = await store.getRun(runId);
    const history = JSON.parse(tagsOf(run)['mlflow.log-model.history']!) as Record<string, unknown>[];
    expect(history).toHaveLength(1);
    expect(history[0]).toMatchObject({ run_id: runId, artifact_path: 'model', utc_time_created: utcTimeCreated, model_uuid: modelUuid });
    expect(history[0]!.flavors).toHaveProperty('python_function');

    // mlflow.pyfunc.load_model("runs:/<run_id>/model"): RunsArtifactRepository → get_run → the
    // run's artifact repository → download_artifacts("model") → read MLmodel
    const loadRepo = await proxyRepoForRun(runId);
    const dst = mkdtempSync(path.join(scratch, 'load-'));
    const local = await loadRepo.downloadArtifacts('model', dst);
    expect(readdirSync(local).sort()).toEqual(['MLmodel', 'conda.yaml', 'metadata', 'python_env.yaml', 'python_model.pkl', 'requirements.txt']);
    expect(readdirSync(path.join(local, 'metadata')).sort()).toEqual(['MLmodel', 'conda.yaml', 'python_env.yaml', 'requirements.txt']);
    const downloaded = readFileSync(path.join(local, 'MLmodel'), 'utf8');
    expect(downloaded).toBe(mlmodel);
    expect(downloaded).toContain('loader_module: mlflow.pyfunc.model');
    expect(downloaded).toContain(`run_id: ${runId}`);
    expect(readFileSync(path.join(local, 'python_model.pkl'))).toEqual(Buffer.from('80049500000000000000002e', 'hex'));
  });

  it('a bad artifact path from a client is refused with a 4xx the client raises as HTTPError', async () => {
    const response = await client.httpRequest('GET', `${server.url}/api/2.0/mlflow-artifacts/artifacts?path=${encodeURIComponent('../outside')}`);
    expect(response.status).toBe(400);
    expect(() => {
      if (response.status >= 400) throw new HttpError(response.status, response.body.toString());
    }).toThrow(HttpError);
    expect(JSON.parse(response.body.toString())).toMatchObject({ error_code: 'INVALID_PARAMETER_VALUE' });
  });
});
