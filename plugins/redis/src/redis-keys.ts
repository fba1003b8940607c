/**
 * Every Redis key the stores use, in one place (docs/redis.md lists them with their types). All
 * keys of one Orrery instance start with `{<prefix>}:`: the braces make the prefix a Redis Cluster
 * hash tag, so every key of an instance lives in one hash slot and the Lua scripts, which touch
 * many keys at once, run unchanged on a cluster.
 *
 * User-chosen parts (metric, param and tag keys, model names) only ever come last in a key, after
 * a fixed family segment, or are base64url-encoded, so two different inputs never name one key.
 */

/** Key builder for one prefix. */
export class RedisKeys {
  /** `{prefix}`, the hash-tagged head of every key. */
  readonly head: string;

  constructor(readonly prefix: string) {
    this.head = `{${prefix}}`;
  }

  /** Marker written on first use; holds the data-model version. */
  schema(): string {
    return `${this.head}:schema`;
  }

  // ---- experiments ----

  /** STRING counter: the last experiment id handed out. */
  experimentSequence(): string {
    return `${this.head}:exp:seq`;
  }
  /** HASH name → experiment id (names are unique across active and deleted experiments). */
  experimentNames(): string {
    return `${this.head}:exp:names`;
  }
  /** ZSET experiment id → creation time: every experiment. */
  experiments(): string {
    return `${this.head}:exps`;
  }
  /** HASH of one experiment's fields. */
  experiment(id: string): string {
    return `${this.head}:exp:${id}`;
  }
  /** HASH tag key → value of one experiment. */
  experimentTags(id: string): string {
    return `${this.head}:exp:${id}:tags`;
  }

  // ---- runs ----

  /** HASH of one run's fields. */
  run(runId: string): string {
    return `${this.head}:run:${runId}`;
  }
  runParams(runId: string): string {
    return `${this.head}:run:${runId}:params`;
  }
  runTags(runId: string): string {
    return `${this.head}:run:${runId}:tags`;
  }
  /** HASH metric key → `step|timestamp|value` of the latest observation. */
  runLatestMetrics(runId: string): string {
    return `${this.head}:run:${runId}:latest`;
  }
  /** HASH `name\0digest` → JSON dataset input of one run. */
  runInputs(runId: string): string {
    return `${this.head}:run:${runId}:inputs`;
  }
  /** STRING of one metric's history: appended 24-byte records (step, timestamp, value), see metric-encoding.ts. */
  metricHistory(runId: string, key: string): string {
    return `${this.head}:run:${runId}:m:${key}`;
  }

  // ---- per-experiment search indexes ----

  /** ZSET run id → start time, of runs not deleted by themselves. */
  activeRuns(experimentId: string): string {
    return `${this.head}:e:${experimentId}:active`;
  }
  /** ZSET run id → start time, of runs deleted by themselves. */
  deletedRuns(experimentId: string): string {
    return `${this.head}:e:${experimentId}:deleted`;
  }
  /** ZSET run id → end time, of runs that have one. */
  endTimes(experimentId: string): string {
    return `${this.head}:e:${experimentId}:end`;
  }
  /** ZSET run id → latest value of a metric (runs whose latest value is NaN are in `nanMetricIndex`). */
  metricIndex(experimentId: string, key: string): string {
    return `${this.head}:e:${experimentId}:m:${key}`;
  }
  /** SET of runs whose latest value of a metric is NaN (a sorted-set score cannot be NaN). */
  nanMetricIndex(experimentId: string, key: string): string {
    return `${this.head}:e:${experimentId}:mnan:${key}`;
  }
  /** ZSET, all scores 0, members `value\0runId`: sorted by value, so `=`, prefixes and ordering are ranges. */
  paramIndex(experimentId: string, key: string): string {
    return `${this.head}:e:${experimentId}:p:${key}`;
  }
  tagIndex(experimentId: string, key: string): string {
    return `${this.head}:e:${experimentId}:t:${key}`;
  }
  /** Like `paramIndex`, for the string attributes run_name, user_id, status and artifact_uri. */
  attributeIndex(experimentId: string, attribute: string): string {
    return `${this.head}:e:${experimentId}:a:${attribute}`;
  }
  /** Like `paramIndex`, for dataset names, digests and contexts of the runs' inputs. */
  datasetIndex(experimentId: string, field: 'name' | 'digest' | 'context'): string {
    return `${this.head}:e:${experimentId}:d:${field}`;
  }
  /** HASH `name\0digest` → JSON dataset, the experiment's datasets (the first description wins). */
  datasets(experimentId: string): string {
    return `${this.head}:e:${experimentId}:datasets`;
  }

  // ---- model registry ----

  /** ZSET, all scores 0: every registered model name (lexicographic order). */
  modelNames(): string {
    return `${this.head}:rm:names`;
  }
  /** HASH of one registered model's fields (name base64url-encoded in the key). */
  model(name: string): string {
    return `${this.head}:rm:${encodeName(name)}`;
  }
  modelTags(name: string): string {
    return `${this.head}:rm:${encodeName(name)}:tags`;
  }
  /** HASH alias → version number. */
  modelAliases(name: string): string {
    return `${this.head}:rm:${encodeName(name)}:aliases`;
  }
  /** ZSET version number → version number: the model's existing versions. */
  modelVersions(name: string): string {
    return `${this.head}:rm:${encodeName(name)}:versions`;
  }
  /** HASH of one model version's fields. */
  modelVersion(name: string, version: number): string {
    return `${this.head}:mv:${encodeName(name)}:${version}`;
  }
  modelVersionTags(name: string, version: number): string {
    return `${this.head}:mv:${encodeName(name)}:${version}:tags`;
  }

  // ---- auth store (its own `auth:` family, so it may share a prefix with tracking data) ----

  /** HASH username → user id. */
  authUserIds(): string {
    return `${this.head}:auth:users`;
  }
  /** STRING counter: the last user id handed out (ids are never reused). */
  authUserSequence(): string {
    return `${this.head}:auth:user-seq`;
  }
  /** HASH of one user's fields: username, password_hash, is_admin. */
  authUser(id: number): string {
    return `${this.head}:auth:user:${id}`;
  }
  /** HASH experiment id → permission, of one user. */
  authExperimentPermissions(userId: number): string {
    return `${this.head}:auth:user:${userId}:exp`;
  }
  /** HASH registered-model name → permission, of one user. */
  authModelPermissions(userId: number): string {
    const [before, after] = this.authModelPermissionsAround();
    return `${before}${userId}${after}`;
  }
  /**
   * `authModelPermissions` as the text before and after the user id, for the script that walks
   * every user's rows of one model (the ids come from `authModelPermissionIndex`).
   */
  authModelPermissionsAround(): readonly [string, string] {
    return [`${this.head}:auth:user:`, ':rm'];
  }
  /** ZSET, all scores 0, members `name\0userId`: who has a row for a model, for renames and deletes. */
  authModelPermissionIndex(): string {
    return `${this.head}:auth:rm-index`;
  }
  /** SET of one user's token ids. */
  authUserTokens(userId: number): string {
    return `${this.head}:auth:user:${userId}:tokens`;
  }
  /** HASH token id → JSON of the token (without its revocation). */
  authTokens(): string {
    return `${this.head}:auth:tokens`;
  }
  /** HASH token id → when it was revoked (set once: HSETNX). */
  authTokenRevocations(): string {
    return `${this.head}:auth:token-revoked`;
  }
  /** ZSET of one key's failed logins, scored by time; expires a window after the last failure. */
  authLoginFailures(key: string): string {
    return `${this.head}:auth:fail:${key}`;
  }
  /** STRING counter: the last audit sequence number. */
  authAuditSequence(): string {
    return `${this.head}:auth:audit-seq`;
  }
  /** ZSET of audit entries scored by sequence number, members `seq:JSON`. */
  authAudit(): string {
    return `${this.head}:auth:audit`;
  }
  /** ZSET like `authAudit`, holding one user's entries only. */
  authUserAudit(username: string): string {
    return `${this.head}:auth:audit-user:${username}`;
  }

  /** A SCAN pattern matching every key of this prefix (glob characters escaped). */
  scanPattern(): string {
    return `${this.head.replace(/[*?[\]\\]/g, (c) => `\\${c}`)}:*`;
  }
}

/** Model names go into keys base64url-encoded, so `a:tags` and `a` + `:tags` stay apart. */
export function encodeName(name: string): string {
  return Buffer.from(name, 'utf8').toString('base64url');
}

/** The separator between a value and the run id in lexicographic index members. */
export const LEX_SEPARATOR = '\u0000';

/** Member of a lexicographic index: `value\0runId`. */
export function lexMember(value: string, runId: string): string {
  return `${value}${LEX_SEPARATOR}${runId}`;
}
