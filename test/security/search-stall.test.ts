/**
 * Finding 6 of issue #15: one search stalled the whole server. 100 runs with a 6,000-character
 * param and a LIKE pattern of 3,000 characters froze every request for 5.1 s on Redis and 1.3 s on
 * SQLite, and a pattern of 50,000 characters answered 500 on SQLite. Now LIKE/ILIKE patterns are
 * limited (LIMITS.maxLikePatternLength, 400 beyond it, registry searches too), and a search never
 * holds up other requests: SQLite reads searches on a worker thread, Redis matches LIKE in slices
 * that give the event loop back, PostgreSQL's driver never blocked.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { LIMITS, type TrackingStore } from '@orrery/core';
import { callJson, securityServers, SECURITY_BACKENDS, type SecurityServer } from './security-servers.js';

const servers = securityServers();
const API = '/api/2.0/mlflow';
const LONG_VALUE = 'a'.repeat(6000);
/** Never matches LONG_VALUE, after trying every start position: the costliest pattern within the limit. */
const SLOW_PATTERN = `%${'a'.repeat(LIMITS.maxLikePatternLength - 2)}b`;
/**
 * Runs holding LONG_VALUE. PostgreSQL matches such a LIKE slower (about 10 ms per value here,
 * each value matched once since the store reads a filter's run ids first) without blocking the
 * server; 100 runs make its search long enough.
 */
const SLOW_RUNS: Record<string, number> = { sqlite: 100, redis: 100, postgres: 100 };

describe.each(SECURITY_BACKENDS)('searches on %s', (backend) => {
  let server: SecurityServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  it(`refuses LIKE and ILIKE patterns over ${LIMITS.maxLikePatternLength} characters with 400, in tracking and registry searches`, async () => {
    server = await servers.start(backend);
    const experimentId = (await callJson(server, `${API}/experiments/create`, { name: 'patterns' })).body.experiment_id as string;
    const longest = `%${'x'.repeat(LIMITS.maxLikePatternLength - 1)}`;
    const tooLong = `${longest}%`;
    const huge = `%${'ab'.repeat(25_000)}%`;
    const searches = (pattern: string, comparator: 'LIKE' | 'ILIKE'): Array<[string, () => Promise<{ status: number; body: Record<string, unknown> }>]> => [
      ['runs/search', () => callJson(server!, `${API}/runs/search`, { experiment_ids: [experimentId], filter: `params.p ${comparator} '${pattern}'` })],
      ['experiments/search', () => callJson(server!, `${API}/experiments/search`, { filter: `name ${comparator} '${pattern}'` })],
      ['registered-models/search', () => callJson(server!, `${API}/registered-models/search?${new URLSearchParams({ filter: `name ${comparator} '${pattern}'` })}`, undefined, 'GET')],
      ['model-versions/search', () => callJson(server!, `${API}/model-versions/search?${new URLSearchParams({ filter: `name ${comparator} '${pattern}'` })}`, undefined, 'GET')],
    ];
    for (const comparator of ['LIKE', 'ILIKE'] as const) {
      for (const [route, search] of searches(longest, comparator)) {
        expect({ route, comparator, status: (await search()).status }).toEqual({ route, comparator, status: 200 });
      }
      // A 50,000-character pattern made SQLite fail ("pattern too complex"); GET routes cannot
      // carry one (the request line would exceed Node's header limit), so POST routes only.
      const refused = [...searches(tooLong, comparator), ...searches(huge, comparator).filter(([route]) => route === 'runs/search' || route === 'experiments/search')];
      for (const [route, search] of refused) {
        const answer = await search();
        expect({ route, comparator, status: answer.status, code: answer.body.error_code }).toEqual({ route, comparator, status: 400, code: 'INVALID_PARAMETER_VALUE' });
        expect(answer.body.message).toContain(`at most ${LIMITS.maxLikePatternLength} characters`);
      }
    }
  });

  it('answers other requests while a slow search runs', async () => {
    // Records when the store's search ends, as seen by the server.
    const events: string[] = [];
    let searchStarted!: () => void;
    const started = new Promise<void>((resolve) => (searchStarted = resolve));
    const observe = (store: TrackingStore): TrackingStore =>
      new Proxy(store, {
        get(target, property, receiver) {
          if (property !== 'searchRuns') return Reflect.get(target, property, receiver) as unknown;
          return async (...args: Parameters<TrackingStore['searchRuns']>) => {
            searchStarted();
            try {
              return await target.searchRuns(...args);
            } finally {
              events.push('search ended');
            }
          };
        },
      });
    server = await servers.start(backend, { wrapTrackingStore: observe });
    const experimentId = await server.trackingStore.createExperiment({ name: 'slow-search' });
    let probeRun = '';
    for (let i = 0; i < SLOW_RUNS[backend]!; i++) {
      const run = await server.trackingStore.createRun({ experimentId, startTime: i });
      await server.trackingStore.logParam(run.info.runId, { key: 'p', value: LONG_VALUE });
      probeRun = run.info.runId;
    }

    const search = callJson(server, `${API}/runs/search`, { experiment_ids: [experimentId], filter: `params.p LIKE '${SLOW_PATTERN}'` }).then((answer) => {
      events.push('search answered');
      return answer;
    });
    await started;
    // Requests sent one after another while the search runs: each must be answered before it ends.
    for (let i = 0; i < 6; i++) {
      const answer = i % 2 === 0 ? await fetch(`${server.url}/health`) : await fetch(`${server.url}${API}/runs/get?run_id=${probeRun}`);
      await answer.arrayBuffer();
      events.push(`request ${i}: ${answer.status}`);
    }
    const answer = await search;
    expect(answer.status).toBe(200);
    expect(answer.body.runs ?? []).toEqual([]);
    expect(events).toEqual([...[0, 1, 2, 3, 4, 5].map((i) => `request ${i}: 200`), 'search ended', 'search answered']);
  });
});
