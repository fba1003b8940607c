/**
 * What each route needs from the caller when the server runs with `--app-name basic-auth`: one
 * entry per method and path (below `/api/2.0` and `/ajax-api/2.0`, or at the root), written as
 * MLflow's basic-auth app maps its routes (mlflow/server/auth/__init__.py), plus the routes MLflow
 * leaves unchecked (log-inputs, delete-experiment-tag, the history-bulk calls, multipart uploads).
 * A route without an entry is refused for everyone but admins; a test walks the route catalog and
 * fails on any route missing here.
 */
import type { Access } from '@orrery/core';

/** Where a request names the experiment it acts on. */
export type ExperimentSource =
  /** `experiment_id`. */
  | 'experiment_id'
  /** `experiment_id`, the Default experiment (0) when absent (runs/create). */
  | 'experiment_id_or_default'
  /** `experiment_name`, looked up. */
  | 'experiment_name'
  /** `run_id` (or `run_uuid`): the run's experiment. */
  | 'run_id'
  /** Every run of a repeated `run_id` field (get-history-bulk). */
  | 'run_id_list'
  /** Every run of `run_ids` (get-history-bulk-interval). */
  | 'run_ids_list'
  /** The artifact path in the URL: `<experiment_id>/<run_id>/artifacts/...`. */
  | 'artifact_url_path'
  /** The `path` query parameter of the proxy's list route. */
  | 'artifact_query_path';

/** What happens after a successful write, to keep permission rows in step. */
export type AfterWrite = 'grant-experiment-creator' | 'grant-registered-model-creator' | 'move-registered-model-rows' | 'delete-registered-model-rows';

/** What a search's results are filtered to. */
export type SearchFilter = 'experiments' | 'runs' | 'registered-models' | 'model-versions';

export type RouteRule =
  /** Answered without credentials. */
  | { kind: 'open' }
  /** Any authenticated user; searches are filtered to what the caller may read. */
  | { kind: 'authenticated'; filter?: SearchFilter; after?: AfterWrite }
  /** Admins only. */
  | { kind: 'admin' }
  /** The user named by the `username` field, or an admin. */
  | { kind: 'self' }
  /** `access` on an experiment (runs and artifacts inherit their experiment's permission). */
  | { kind: 'experiment'; from: ExperimentSource; access: Access }
  /**
   * `access` on the registered model named by `name`; with `runRead`, also READ on the experiment
   * of the request's `run_id` when it names one (a version must not expose a run its creator
   * cannot read).
   */
  | { kind: 'registered-model'; access: Access; after?: AfterWrite; runRead?: boolean };

const open: RouteRule = { kind: 'open' };
const anyUser: RouteRule = { kind: 'authenticated' };
const admin: RouteRule = { kind: 'admin' };
const experiment = (from: ExperimentSource, access: Access): RouteRule => ({ kind: 'experiment', from, access });
const model = (access: Access, after?: AfterWrite): RouteRule => ({ kind: 'registered-model', access, ...(after ? { after } : {}) });

/** Key: `<METHOD> <path>`, the path below the API prefix (or at the root for operations routes). */
export const ROUTE_PERMISSIONS: Readonly<Record<string, RouteRule>> = {
  // ---- operations ----
  'GET /health': open,
  // MLflow's basic-auth app asks for credentials everywhere but /health and static files; so does Orrery.
  'GET /version': anyUser,
  'GET /metrics': anyUser,
  'GET /openapi.json': anyUser, // served at /api/2.0/openapi.json

  // ---- web UI (MLflow serves its static files without credentials; the app then asks for them) ----
  'GET /': open,
  'GET /static-files/*': open,
  // The UI's download routes: the same rules as reading the run or the model version.
  'GET /get-artifact': experiment('run_id', 'read'),
  'GET /model-versions/get-artifact': model('read'),

  // ---- experiments ----
  'POST /mlflow/experiments/create': { kind: 'authenticated', after: 'grant-experiment-creator' },
  'GET /mlflow/experiments/get': experiment('experiment_id', 'read'),
  'GET /mlflow/experiments/get-by-name': experiment('experiment_name', 'read'),
  'GET /mlflow/experiments/search': { kind: 'authenticated', filter: 'experiments' },
  'POST /mlflow/experiments/search': { kind: 'authenticated', filter: 'experiments' },
  'POST /mlflow/experiments/delete': experiment('experiment_id', 'delete'),
  'POST /mlflow/experiments/restore': experiment('experiment_id', 'delete'),
  'POST /mlflow/experiments/update': experiment('experiment_id', 'update'),
  'POST /mlflow/experiments/set-experiment-tag': experiment('experiment_id', 'update'),
  'POST /mlflow/experiments/delete-experiment-tag': experiment('experiment_id', 'update'),

  // ---- runs ----
  'POST /mlflow/runs/create': experiment('experiment_id_or_default', 'update'),
  'POST /mlflow/runs/update': experiment('run_id', 'update'),
  'POST /mlflow/runs/delete': experiment('run_id', 'delete'),
  'POST /mlflow/runs/restore': experiment('run_id', 'delete'),
  'GET /mlflow/runs/get': experiment('run_id', 'read'),
  // MLflow checks nothing here and returns runs of experiments the caller may not read.
  'POST /mlflow/runs/search': { kind: 'authenticated', filter: 'runs' },
  'POST /mlflow/runs/log-metric': experiment('run_id', 'update'),
  'POST /mlflow/runs/log-parameter': experiment('run_id', 'update'),
  'POST /mlflow/runs/set-tag': experiment('run_id', 'update'),
  'POST /mlflow/runs/delete-tag': experiment('run_id', 'update'),
  'POST /mlflow/runs/log-batch': experiment('run_id', 'update'),
  'POST /mlflow/runs/log-inputs': experiment('run_id', 'update'),
  'POST /mlflow/runs/log-model': experiment('run_id', 'update'),
  'GET /mlflow/metrics/get-history': experiment('run_id', 'read'),
  'GET /mlflow/metrics/get-history-bulk': experiment('run_id_list', 'read'),
  'GET /mlflow/metrics/get-history-bulk-interval': experiment('run_ids_list', 'read'),
  'GET /mlflow/artifacts/list': experiment('run_id', 'read'),

  // ---- artifact proxy (MLflow: read to list and download, update to upload, manage to delete) ----
  'GET /mlflow-artifacts/artifacts': experiment('artifact_query_path', 'read'),
  'GET /mlflow-artifacts/artifacts/*': experiment('artifact_url_path', 'read'),
  'PUT /mlflow-artifacts/artifacts/*': experiment('artifact_url_path', 'update'),
  'DELETE /mlflow-artifacts/artifacts/*': experiment('artifact_url_path', 'delete'),
  'POST /mlflow-artifacts/mpu/create/*': experiment('artifact_url_path', 'update'),
  'POST /mlflow-artifacts/mpu/complete/*': experiment('artifact_url_path', 'update'),
  'POST /mlflow-artifacts/mpu/abort/*': experiment('artifact_url_path', 'update'),

  // ---- registered models ----
  'POST /mlflow/registered-models/create': { kind: 'authenticated', after: 'grant-registered-model-creator' },
  'GET /mlflow/registered-models/get': model('read'),
  'POST /mlflow/registered-models/rename': model('update', 'move-registered-model-rows'),
  'PATCH /mlflow/registered-models/update': model('update'),
  'DELETE /mlflow/registered-models/delete': model('delete', 'delete-registered-model-rows'),
  'GET /mlflow/registered-models/search': { kind: 'authenticated', filter: 'registered-models' },
  'GET /mlflow/registered-models/get-latest-versions': model('read'),
  'POST /mlflow/registered-models/get-latest-versions': model('read'),
  'POST /mlflow/registered-models/set-tag': model('update'),
  'DELETE /mlflow/registered-models/delete-tag': model('update'),
  'POST /mlflow/registered-models/alias': model('update'),
  'DELETE /mlflow/registered-models/alias': model('delete'),
  'GET /mlflow/registered-models/alias': model('read'),

  // ---- model versions (their registered model's permission) ----
  // MLflow checks only the model; Orrery also asks READ on the source run.
  'POST /mlflow/model-versions/create': { kind: 'registered-model', access: 'update', runRead: true },
  'GET /mlflow/model-versions/get': model('read'),
  'PATCH /mlflow/model-versions/update': model('update'),
  'DELETE /mlflow/model-versions/delete': model('delete'),
  'GET /mlflow/model-versions/search': { kind: 'authenticated', filter: 'model-versions' },
  'POST /mlflow/model-versions/set-tag': model('update'),
  'DELETE /mlflow/model-versions/delete-tag': model('delete'),
  'GET /mlflow/model-versions/get-download-uri': model('read'),
  'POST /mlflow/model-versions/transition-stage': model('update'),

  // ---- users (MLflow: admins; a user may read and change the password of themselves) ----
  'POST /mlflow/users/create': admin,
  'GET /mlflow/users/get': { kind: 'self' },
  'PATCH /mlflow/users/update-password': { kind: 'self' },
  'PATCH /mlflow/users/update-admin': admin,
  'DELETE /mlflow/users/delete': admin,

  // ---- permissions (MANAGE on the resource) ----
  'POST /mlflow/experiments/permissions/create': experiment('experiment_id', 'manage'),
  'GET /mlflow/experiments/permissions/get': experiment('experiment_id', 'manage'),
  'PATCH /mlflow/experiments/permissions/update': experiment('experiment_id', 'manage'),
  'DELETE /mlflow/experiments/permissions/delete': experiment('experiment_id', 'manage'),
  'POST /mlflow/registered-models/permissions/create': model('manage'),
  'GET /mlflow/registered-models/permissions/get': model('manage'),
  'PATCH /mlflow/registered-models/permissions/update': model('manage'),
  'DELETE /mlflow/registered-models/permissions/delete': model('manage'),

  // ---- Orrery: API tokens (each user their own; the handlers let admins name another user) and the audit log ----
  'POST /orrery/tokens/create': anyUser,
  'GET /orrery/tokens/list': anyUser,
  'POST /orrery/tokens/revoke': anyUser,
  'GET /orrery/audit/list': admin,
};

const API_PREFIX = /^\/(?:ajax-)?api\/2\.0(?=\/)/;

/** The table key of a registered route (Fastify's URL pattern and a method). */
export function routePermissionKey(method: string, url: string): string {
  return `${method} ${url.replace(API_PREFIX, '')}`;
}

/** The rule of a registered route, or undefined when the table has none. */
export function ruleFor(method: string, url: string): RouteRule | undefined {
  return ROUTE_PERMISSIONS[routePermissionKey(method, url)];
}
