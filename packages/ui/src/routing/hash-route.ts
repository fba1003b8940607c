/**
 * The app's routes, as MLflow's UI spells its deep links (MLflow's clients print them):
 * `#/experiments/<id>`, `#/experiments/<id>/runs/<run_id>`, `#/models`, `#/models/<name>`,
 * `#/models/<name>/versions/<v>`, and `#/compare-runs?runs=[...]&experiments=[...]` with JSON
 * arrays. Pure functions, so the parsing is unit-tested without a browser.
 */
export type Route =
  | { page: 'experiments' }
  | { page: 'experiment'; experimentId: string; tab: 'runs' | 'charts' }
  | { page: 'run'; experimentId: string; runId: string }
  | { page: 'models' }
  | { page: 'model'; name: string }
  | { page: 'model-version'; name: string; version: string }
  | { page: 'compare-runs'; runIds: string[]; experimentIds: string[] }
  | { page: 'not-found'; hash: string };

function decode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

/** A query value holding a JSON array of strings (MLflow's form), or a comma-separated list. */
function listParameter(value: string | null): string[] {
  if (value === null || value.trim() === '') return [];
  try {
    const parsed: unknown = JSON.parse(value);
    if (Array.isArray(parsed)) return parsed.map((item) => String(item));
  } catch {
    // Not JSON: read it as a plain list.
  }
  return value.split(',').map((item) => item.trim()).filter((item) => item !== '');
}

/** Reads `location.hash` (with or without the leading `#`). */
export function parseRoute(hash: string): Route {
  const text = hash.replace(/^#/, '');
  const queryAt = text.indexOf('?');
  const path = queryAt < 0 ? text : text.slice(0, queryAt);
  const query = new URLSearchParams(queryAt < 0 ? '' : text.slice(queryAt + 1));
  const segments = path.split('/').filter((segment) => segment !== '').map(decode);
  const [first, second, third, fourth, fifth] = segments;
  if (first === undefined || (first === 'experiments' && second === undefined)) return { page: 'experiments' };
  if (first === 'experiments' && second !== undefined) {
    if (third === undefined) return { page: 'experiment', experimentId: second, tab: query.get('tab') === 'charts' ? 'charts' : 'runs' };
    if (third === 'runs' && fourth !== undefined && fifth === undefined) return { page: 'run', experimentId: second, runId: fourth };
  }
  if (first === 'models') {
    if (second === undefined) return { page: 'models' };
    if (third === undefined) return { page: 'model', name: second };
    if (third === 'versions' && fourth !== undefined && fifth === undefined) return { page: 'model-version', name: second, version: fourth };
  }
  if (first === 'compare-runs' && second === undefined) {
    return { page: 'compare-runs', runIds: listParameter(query.get('runs')), experimentIds: listParameter(query.get('experiments')) };
  }
  return { page: 'not-found', hash: text };
}

/** The hash (with `#`) that opens `route`. */
export function routeHash(route: Route): string {
  const e = encodeURIComponent;
  switch (route.page) {
    case 'experiments':
      return '#/experiments';
    case 'experiment':
      return `#/experiments/${e(route.experimentId)}${route.tab === 'charts' ? '?tab=charts' : ''}`;
    case 'run':
      return `#/experiments/${e(route.experimentId)}/runs/${e(route.runId)}`;
    case 'models':
      return '#/models';
    case 'model':
      return `#/models/${e(route.name)}`;
    case 'model-version':
      return `#/models/${e(route.name)}/versions/${e(route.version)}`;
    case 'compare-runs':
      return `#/compare-runs?runs=${e(JSON.stringify(route.runIds))}&experiments=${e(JSON.stringify(route.experimentIds))}`;
    case 'not-found':
      return `#${route.hash}`;
  }
}
