import type { Comparison, FilterAst, OrderByTerm, ViewType } from '@orrery/core';
import { DATASET_CONTEXT_TAG, EventLoopSlices, compareLike, errors } from '@orrery/core';
import { indexScore } from './metric-encoding.js';
import { SEARCH_RUNS } from './lua/search-script.js';
import type { RedisConnection } from './redis-connection.js';

/**
 * Turns core's parsed run filter and order_by into the plan the SEARCH_RUNS script runs (see
 * lua/search-script.ts for the strategies). Clauses the script cannot decide from an index or a
 * run's own hashes, LIKE and ILIKE (SQL wildcards and Unicode case folding) and dataset clauses,
 * are decided here first by scanning the clause's per-experiment index (for LIKE with a literal
 * prefix only the matching range of it), and reach the script as lists of matching run ids.
 */

/** Run hash fields of the string attributes; each also has a `value\0runId` index. */
const STRING_ATTRIBUTE_FIELDS: Record<string, string> = {
  run_name: 'name',
  user_id: 'user_id',
  status: 'status',
  artifact_uri: 'artifact_uri',
};

export interface PlanExperiment {
  id: string;
  sources: Array<'active' | 'deleted'>;
  deleted: boolean;
}

interface PlanClause {
  t: 'metric' | 'param' | 'tag' | 'attr' | 'start' | 'end' | 'runid' | 'ids';
  key?: string;
  field?: string;
  cmp?: string;
  num?: string;
  str?: string;
  values?: string[];
  byExp?: Record<string, string[]>;
}

interface PlanOrder {
  t: 'metric' | 'param' | 'tag' | 'attr' | 'start' | 'end' | 'runid';
  key?: string;
  field?: string;
  asc: boolean;
  str: boolean;
}

/** Which of an experiment's run sets a view covers: a deleted experiment's runs all count as deleted. */
export function viewSources(viewType: ViewType, experimentDeleted: boolean): Array<'active' | 'deleted'> {
  if (experimentDeleted) return viewType === 'ACTIVE_ONLY' ? [] : ['active', 'deleted'];
  switch (viewType) {
    case 'ACTIVE_ONLY':
      return ['active'];
    case 'DELETED_ONLY':
      return ['deleted'];
    case 'ALL':
      return ['active', 'deleted'];
  }
}

function stringMatches(clause: Comparison, value: string): boolean {
  switch (clause.kind) {
    case 'string':
      switch (clause.comparator) {
        case '=':
          return value === clause.value;
        case '!=':
          return value !== clause.value;
        case 'LIKE':
          return compareLike(value, clause.value, false);
        case 'ILIKE':
          return compareLike(value, clause.value, true);
      }
      return false;
    case 'set':
      return clause.comparator === 'IN' ? clause.values.includes(value) : !clause.values.includes(value);
    case 'numeric':
      return false;
  }
}

/** The literal start of a LIKE pattern (before its first wildcard), which bounds an index range. */
function literalPrefix(pattern: string): string {
  const cut = pattern.search(/[%_]/);
  return cut < 0 ? pattern : pattern.slice(0, cut);
}

/** Default of `RedisTrackingStoreOptions.searchVisitBudget`: runs one script call may check. */
export const DEFAULT_SEARCH_VISIT_BUDGET = 5000;

export class RunSearch {
  /**
   * @param visitBudget runs one call of the search script may check before it hands back a
   * continuation (see lua/search-script.ts), so that no call holds Redis long.
   */
  constructor(
    private readonly connection: RedisConnection,
    private readonly visitBudget = DEFAULT_SEARCH_VISIT_BUDGET,
  ) {}

  private get keys() {
    return this.connection.keys;
  }

  /**
   * Runs of a `value\0runId` index whose value satisfies `test`. A case-sensitive LIKE pattern
   * with a literal prefix reads only the range of values starting with it.
   */
  private async scanLexIndex(key: string, test: (value: string) => boolean, prefix = ''): Promise<string[]> {
    const members = (
      prefix === ''
        ? await this.connection.command('ZRANGE', key, 0, -1)
        : await this.connection.command('ZRANGEBYLEX', key, `[${prefix}`, Buffer.concat([Buffer.from(`(${prefix}`), Buffer.from([0xff])]))
    ) as string[];
    const ids = new Set<string>();
    // A LIKE over long values costs pattern × value per member: let other requests in between.
    const slices = new EventLoopSlices();
    for (const member of members) {
      if (test(member.slice(0, -33))) ids.add(member.slice(-32));
      if (slices.due()) await slices.pause();
    }
    return [...ids];
  }

  /** Runs of the view whose id or lifecycle satisfies a clause the script cannot check (LIKE on those). */
  private async scanView(exp: PlanExperiment, test: (runId: string, lifecycle: string) => boolean): Promise<string[]> {
    const ids: string[] = [];
    for (const source of exp.sources) {
      const members = (await this.connection.command(
        'ZRANGE',
        source === 'active' ? this.keys.activeRuns(exp.id) : this.keys.deletedRuns(exp.id),
        0,
        -1,
      )) as string[];
      const lifecycle = source === 'deleted' || exp.deleted ? 'deleted' : 'active';
      const slices = new EventLoopSlices();
      for (const id of members) {
        if (test(id, lifecycle)) ids.push(id);
        if (slices.due()) await slices.pause();
      }
    }
    return ids;
  }

  private async precompute(clause: Comparison, exps: PlanExperiment[]): Promise<PlanClause> {
    const byExp: Record<string, string[]> = {};
    const like = clause.kind === 'string' && clause.comparator === 'LIKE' ? literalPrefix(clause.value) : '';
    for (const exp of exps) {
      let ids: string[];
      switch (clause.type) {
        case 'param':
          ids = await this.scanLexIndex(this.keys.paramIndex(exp.id, clause.key), (v) => stringMatches(clause, v), like);
          break;
        case 'tag':
          ids = await this.scanLexIndex(this.keys.tagIndex(exp.id, clause.key), (v) => stringMatches(clause, v), like);
          break;
        case 'dataset': {
          const field = clause.key as 'name' | 'digest' | 'context';
          ids = await this.scanLexIndex(this.keys.datasetIndex(exp.id, field), (v) => stringMatches(clause, v));
          break;
        }
        case 'attribute':
          if (STRING_ATTRIBUTE_FIELDS[clause.key]) {
            ids = await this.scanLexIndex(this.keys.attributeIndex(exp.id, clause.key), (v) => stringMatches(clause, v), like);
          } else if (clause.key === 'run_id') {
            ids = await this.scanView(exp, (id) => stringMatches(clause, id));
          } else if (clause.key === 'lifecycle_stage') {
            ids = await this.scanView(exp, (_id, lifecycle) => stringMatches(clause, lifecycle));
          } else {
            throw errors.invalidParameter(`Invalid attribute key '${clause.key}' in a run search filter.`);
          }
          break;
        default:
          throw errors.invalidParameter(`Invalid ${clause.type} key '${clause.key}' in a run search filter.`);
      }
      byExp[exp.id] = ids;
    }
    return { t: 'ids', byExp };
  }

  private async compileClause(clause: Comparison, exps: PlanExperiment[]): Promise<PlanClause> {
    const likeLike = clause.kind === 'string' && (clause.comparator === 'LIKE' || clause.comparator === 'ILIKE');
    if (clause.type === 'dataset' || likeLike) return this.precompute(clause, exps);
    switch (clause.type) {
      case 'metric': {
        if (clause.kind !== 'numeric') throw errors.invalidParameter(`Metric '${clause.key}' can only be compared with a number.`);
        return { t: 'metric', key: clause.key, cmp: clause.comparator, num: indexScore(clause.value) ?? 'nan' };
      }
      case 'param':
      case 'tag':
        if (clause.kind !== 'string') throw errors.invalidParameter(`The ${clause.type} '${clause.key}' can only be compared with a string.`);
        return { t: clause.type, key: clause.key, cmp: clause.comparator, str: clause.value };
      case 'attribute': {
        if (clause.key === 'start_time' || clause.key === 'end_time') {
          if (clause.kind !== 'numeric') throw errors.invalidParameter(`Attribute '${clause.key}' can only be compared with a number.`);
          return { t: clause.key === 'start_time' ? 'start' : 'end', cmp: clause.comparator, num: indexScore(clause.value) ?? 'nan' };
        }
        if (clause.key === 'run_id') {
          if (clause.kind === 'set') return { t: 'runid', cmp: clause.comparator, values: clause.values };
          if (clause.kind === 'string') return { t: 'runid', cmp: clause.comparator, str: clause.value };
        }
        const field = STRING_ATTRIBUTE_FIELDS[clause.key];
        if ((field || clause.key === 'lifecycle_stage') && clause.kind === 'string') {
          return { t: 'attr', key: clause.key, field: field ?? 'lifecycle_stage', cmp: clause.comparator, str: clause.value };
        }
        throw errors.invalidParameter(`Invalid attribute '${clause.key}' in a run search filter.`);
      }
      default:
        throw errors.invalidParameter(`Invalid ${clause.type} key '${clause.key}' in a run search filter.`);
    }
  }

  private compileOrder(terms: readonly OrderByTerm[]): PlanOrder[] {
    const order: PlanOrder[] = terms.map((term) => {
      switch (term.type) {
        case 'metric':
          return { t: 'metric', key: term.key, asc: term.ascending, str: false };
        case 'param':
        case 'tag':
          return { t: term.type, key: term.key, asc: term.ascending, str: true };
        case 'attribute': {
          if (term.key === 'start_time') return { t: 'start', asc: term.ascending, str: false };
          if (term.key === 'end_time') return { t: 'end', asc: term.ascending, str: false };
          if (term.key === 'run_id') return { t: 'runid', asc: term.ascending, str: true };
          const field = STRING_ATTRIBUTE_FIELDS[term.key];
          if (!field) throw errors.invalidParameter(`Invalid order_by key 'attributes.${term.key}' for runs.`);
          return { t: 'attr', key: term.key, field, asc: term.ascending, str: true };
        }
      }
    });
    if (!order.some((o) => o.t === 'start')) order.push({ t: 'start', asc: false, str: false });
    if (!order.some((o) => o.t === 'runid')) order.push({ t: 'runid', asc: true, str: true });
    return order;
  }

  /**
   * The ids of one page of runs in order, and whether more follow. `exps` is the view, resolved
   * per experiment by the caller.
   */
  async search(
    exps: PlanExperiment[],
    filter: FilterAst,
    orderBy: readonly OrderByTerm[],
    offset: number,
    limit: number,
  ): Promise<{ ids: string[]; more: boolean }> {
    const order = this.compileOrder(orderBy);
    const clauses: PlanClause[] = [];
    for (const clause of filter.clauses) clauses.push(await this.compileClause(clause, exps));
    const plan = { head: this.keys.head, offset, limit, exps, clauses, order, budget: this.visitBudget };
    // Each call checks at most `budget` runs; between calls Redis serves its other clients.
    let resume: unknown;
    for (;;) {
      const reply = (await this.connection.script(SEARCH_RUNS, [this.keys.schema()], [
        JSON.stringify(resume === undefined ? plan : { ...plan, resume }),
      ])) as string[];
      if (reply[0] !== 'cont') return { more: reply[0] === '1', ids: reply.slice(1) };
      resume = JSON.parse(reply[1]!) as unknown;
    }
  }
}

/** The input-tag key that names a dataset's role; indexed as the dataset `context`. */
export const CONTEXT_TAG = DATASET_CONTEXT_TAG;
