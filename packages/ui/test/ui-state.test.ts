/** The web UI's state logic, without a browser: routes, runs table, filter completion, previews, sign-in. */
import { describe, expect, it } from 'vitest';
import type { Run } from '@orrery/core';
import { parseRoute, routeHash, type Route } from '../src/routing/hash-route.js';
import { columnFromId, columnId, defaultColumns, groupRuns, keysOfRuns, needsNextPage, orderByFor, visibleRange } from '../src/state/runs-table-state.js';
import { applyCompletion, filterCompletions } from '../src/state/filter-completion.js';
import { parseCsv, previewKind } from '../src/state/artifact-preview-kind.js';
import { sparklinePath } from '../src/state/sparkline-path.js';
import { basicAuthorization, loadCredentials, saveCredentials } from '../src/state/session.js';
import { experimentNameFilter } from '../src/state/experiment-filter.js';

function run(id: string, options: { parent?: string; metrics?: string[]; params?: string[]; tags?: string[] } = {}): Run {
  return {
    info: { runId: id, runName: id, experimentId: '1', userId: 'u', status: 'FINISHED', startTime: 0, endTime: null, artifactUri: '', lifecycleStage: 'active' },
    data: {
      metrics: (options.metrics ?? []).map((key) => ({ key, value: 1, step: 0, timestamp: 0 })),
      params: (options.params ?? []).map((key) => ({ key, value: 'v' })),
      tags: [...(options.tags ?? []).map((key) => ({ key, value: 'v' })), ...(options.parent ? [{ key: 'mlflow.parentRunId', value: options.parent }] : [])],
    },
    inputs: { datasetInputs: [] },
  };
}

describe('hash routes', () => {
  it("reads MLflow's deep links and writes them back", () => {
    const cases: Array<[string, Route]> = [
      ['', { page: 'experiments' }],
      ['#/', { page: 'experiments' }],
      ['#/experiments', { page: 'experiments' }],
      ['#/experiments/12', { page: 'experiment', experimentId: '12', tab: 'runs' }],
      ['#/experiments/12?tab=charts', { page: 'experiment', experimentId: '12', tab: 'charts' }],
      ['#/experiments/12/runs/abc', { page: 'run', experimentId: '12', runId: 'abc' }],
      ['#/models', { page: 'models' }],
      ['#/models/my%20model', { page: 'model', name: 'my model' }],
      ['#/models/m/versions/3', { page: 'model-version', name: 'm', version: '3' }],
    ];
    for (const [hash, route] of cases) {
      expect(parseRoute(hash)).toEqual(route);
      if (hash.length > 2 && hash !== '#/experiments') expect(routeHash(route)).toBe(hash);
    }
  });

  it('reads compare-runs with JSON arrays (as MLflow links it) or plain lists, and unknown paths as not found', () => {
    expect(parseRoute(`#/compare-runs?runs=${encodeURIComponent('["a","b"]')}&experiments=${encodeURIComponent('["1"]')}`)).toEqual({
      page: 'compare-runs',
      runIds: ['a', 'b'],
      experimentIds: ['1'],
    });
    expect(parseRoute('#/compare-runs?runs=a,b')).toEqual({ page: 'compare-runs', runIds: ['a', 'b'], experimentIds: [] });
    const route: Route = { page: 'compare-runs', runIds: ['x', 'y'], experimentIds: ['2'] };
    expect(parseRoute(routeHash(route))).toEqual(route);
    expect(parseRoute('#/experiments/1/runs')).toEqual({ page: 'not-found', hash: '/experiments/1/runs' });
  });
});

describe('runs table state', () => {
  it('groups nested runs under their loaded parent, at any depth, and hides collapsed ones', () => {
    const runs = [run('p'), run('x'), run('c1', { parent: 'p' }), run('g', { parent: 'c1' }), run('orphan', { parent: 'not-loaded' })];
    expect(groupRuns(runs, new Set()).map((row) => `${row.run.info.runId}:${row.depth}:${row.childCount}`)).toEqual(['p:0:1', 'c1:1:1', 'g:2:0', 'x:0:0', 'orphan:0:0']);
    expect(groupRuns(runs, new Set(['c1'])).map((row) => row.run.info.runId)).toEqual(['p', 'c1', 'x', 'orphan']);
  });

  it('survives parent tags that form a cycle', () => {
    const rows = groupRuns([run('a', { parent: 'b' }), run('b', { parent: 'a' })], new Set());
    expect(rows.length).toBeLessThanOrEqual(2);
  });

  it("asks the server to sort with MLflow's order_by syntax, quoting keys that need it", () => {
    expect(orderByFor({ column: { kind: 'metric', key: 'loss' }, ascending: false })).toBe('metrics.loss DESC');
    expect(orderByFor({ column: { kind: 'param', key: 'learning rate' }, ascending: true })).toBe('params.`learning rate` ASC');
    expect(orderByFor({ column: { kind: 'attribute', key: 'start_time' }, ascending: true })).toBe('attributes.start_time ASC');
    expect(orderByFor({ column: { kind: 'attribute', key: 'duration' }, ascending: true })).toBeUndefined();
    expect(orderByFor(undefined)).toBeUndefined();
  });

  it('collects keys without MLflow system tags and picks default columns; column ids round-trip', () => {
    const keys = keysOfRuns([run('a', { metrics: ['loss', 'acc'], params: ['lr'], tags: ['team', 'mlflow.user'] })]);
    expect(keys).toEqual({ metrics: ['acc', 'loss'], params: ['lr'], tags: ['team'] });
    const columns = defaultColumns(keys);
    expect(columns.filter((column) => column.kind !== 'attribute').map(columnId)).toEqual(['metric:acc', 'metric:loss', 'param:lr']);
    for (const column of columns) expect(columnFromId(columnId(column))).toEqual(column);
    expect(columnFromId('attribute:nope')).toBeUndefined();
  });

  it('renders only the rows near the viewport and asks for the next page near the loaded end', () => {
    expect(visibleRange(0, 300, 30, 100_000, 5)).toEqual({ start: 0, end: 16 });
    expect(visibleRange(30_000, 300, 30, 100_000, 5)).toEqual({ start: 995, end: 1016 });
    expect(visibleRange(30_000, 300, 30, 1000, 5).end).toBe(1000);
    expect(needsNextPage(150, 200, true, false)).toBe(true);
    expect(needsNextPage(100, 200, true, false)).toBe(false);
    expect(needsNextPage(190, 200, false, false)).toBe(false);
    expect(needsNextPage(190, 200, true, true)).toBe(false);
  });
});

describe('filter completion', () => {
  const keys = { metrics: ['loss', 'val loss'], params: ['lr', 'layers'], tags: ['team'] };

  it('offers the keys after a prefix and the prefixes for a bare word', () => {
    expect(filterCompletions('params.l', 8, keys).map((c) => c.text)).toEqual(['params.lr', 'params.layers']);
    expect(filterCompletions('metrics.v', 9, keys).map((c) => c.text)).toEqual(['metrics.`val loss`']);
    expect(filterCompletions('me', 2, keys).map((c) => c.text)).toEqual(['metrics.']);
    expect(filterCompletions('attributes.st', 13, keys).map((c) => c.text)).toEqual(['attributes.status', 'attributes.start_time']);
    expect(filterCompletions("params.lr = '1'", 15, keys)).toEqual([]);
  });

  it('completes the token at the cursor inside a longer filter', () => {
    const text = 'metrics.loss < 1 and params.la';
    const [completion] = filterCompletions(text, text.length, keys);
    expect(applyCompletion(text, completion!)).toEqual({ text: 'metrics.loss < 1 and params.layers', cursor: 34 });
  });
});

describe('artifact previews and small helpers', () => {
  it('picks the preview by file name', () => {
    expect(previewKind('model/MLmodel')).toBe('yaml');
    expect(previewKind('a/b.JSON')).toBe('json');
    expect(previewKind('plot.png')).toBe('image');
    expect(previewKind('table.csv')).toBe('csv');
    expect(previewKind('train.log')).toBe('text');
    expect(previewKind('weights.bin')).toBe('none');
  });

  it('reads CSV with quotes, escaped quotes, newlines in quotes and CRLF', () => {
    expect(parseCsv('a,b\r\n"x,1","say ""hi"""\n"multi\nline",2')).toEqual([
      ['a', 'b'],
      ['x,1', 'say "hi"'],
      ['multi\nline', '2'],
    ]);
    expect(parseCsv('a\n1\n2\n3', 2)).toEqual([['a'], ['1']]);
  });

  it('draws a sparkline path through the points, flat for constant values, skipping NaN', () => {
    expect(sparklinePath([], 100, 20)).toBe('');
    expect(sparklinePath([1, 1], 100, 20)).toBe('M2.0,10.0L98.0,10.0');
    expect(sparklinePath([0, Number.NaN, 1], 100, 20)).toBe('M2.0,18.0L98.0,2.0');
  });

  it('escapes LIKE wildcards and quotes in the name search', () => {
    expect(experimentNameFilter('  ')).toBeUndefined();
    expect(experimentNameFilter("50%_o'k")).toBe("name ILIKE '%50\\%\\_o\\'k%'");
  });

  it('keeps credentials for the tab as a Basic header, UTF-8 encoded', () => {
    const store = new Map<string, string>();
    const storage = { getItem: (k: string) => store.get(k) ?? null, setItem: (k: string, v: string) => void store.set(k, v), removeItem: (k: string) => void store.delete(k) };
    const header = basicAuthorization('zoë', 'pw');
    expect(header).toBe(`Basic ${Buffer.from('zoë:pw', 'utf8').toString('base64')}`);
    saveCredentials(storage, { username: 'zoë', header });
    expect(loadCredentials(storage)).toEqual({ username: 'zoë', header });
    saveCredentials(storage, undefined);
    expect(loadCredentials(storage)).toBeUndefined();
    store.set('orrery.credentials', 'not json');
    expect(loadCredentials(storage)).toBeUndefined();
  });
});
