/**
 * The basic-auth app's one check in front of every route, registered once on the root Fastify
 * instance before any route: `onRequest` authenticates (HTTP Basic or an API token; 401 or 429
 * before any body is read), `preHandler` authorizes by the route's entry in ROUTE_PERMISSIONS
 * (403), `onSend` keeps permission rows in step with successful writes (creator gets MANAGE,
 * registered-model renames and deletes), and appends every write to the audit log before the
 * answer leaves (so a client that got an answer can read its entry).
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import {
  OrreryError,
  isOrreryError,
  permissionAllows,
  type Access,
  type AuthService,
  type Principal,
  type TrackingStore,
} from '@orrery/core';
import { artifactPathFromUrl } from '../routes/artifact-proxy-routes.js';
import { isProxiedArtifactUri, proxiedArtifactPath } from '../routes/proxied-artifact-uri.js';
import { requestReaderFor } from '../routes/declared-route.js';
import type { SearchVisibility } from '../routes/visible-search.js';
import { ruleFor, type AfterWrite, type ExperimentSource, type RouteRule } from './route-permissions.js';

/** What the auth layer knows about one request. */
export interface RequestAuth {
  principal?: Principal;
  /** What the request acts on, for the audit log (`experiment:1`, `registered_model:rm`, `user:bob`). */
  resource?: string;
  visibility?: SearchVisibility;
}

const requestAuth = new WeakMap<FastifyRequest, RequestAuth>();

/** The auth layer's view of a request; empty when auth is off. */
export function authOf(request: FastifyRequest): RequestAuth {
  let auth = requestAuth.get(request);
  if (auth === undefined) {
    auth = {};
    requestAuth.set(request, auth);
  }
  return auth;
}

/** The authenticated principal of a request; throws UNAUTHENTICATED when there is none (a route reached without the layer). */
export function principalOf(request: FastifyRequest): Principal {
  const principal = requestAuth.get(request)?.principal;
  if (principal === undefined) throw new OrreryError('UNAUTHENTICATED', 'You are not authenticated.');
  return principal;
}

export interface AuthLayerOptions {
  service: AuthService;
  /** Resolves runs and experiment names to experiments; absent with `--artifacts-only`. */
  trackingStore?: TrackingStore;
}

/** Runs never move between experiments, so run → experiment is cached (bounded) per process. */
const RUN_CACHE_SIZE = 50_000;

function denied(what: string): OrreryError {
  return new OrreryError('PERMISSION_DENIED', `Permission denied: ${what}.`);
}

const ACCESS_WORDS: Record<Access, string> = { read: 'read', update: 'change', delete: 'delete', manage: 'manage permissions of' };

/**
 * Adds the layer's hooks to the root instance. Call once, before any route is registered (hooks
 * apply to routes added after them); `createServer` does when given `auth`.
 */
export function registerAuthLayer(app: FastifyInstance, options: AuthLayerOptions): void {
  const { service, trackingStore } = options;
  const runExperiments = new Map<string, string>();

  const experimentOfRun = async (runId: string): Promise<string> => {
    const cached = runExperiments.get(runId);
    if (cached !== undefined) return cached;
    if (trackingStore === undefined) throw new OrreryError('NOT_IMPLEMENTED', 'This server has no tracking store to resolve runs with.');
    const experimentId = (await trackingStore.getRun(runId)).info.experimentId;
    if (runExperiments.size >= RUN_CACHE_SIZE) runExperiments.delete(runExperiments.keys().next().value!);
    runExperiments.set(runId, experimentId);
    return experimentId;
  };

  /**
   * The experiment an artifact-proxy path belongs to: its first segment when it is an id (MLflow's
   * layout `<experiment_id>/<run_id>/artifacts/...`), else the experiment of the run named by the
   * second segment when the path lies under that run's proxied root; undefined for other paths,
   * which then get the default permission (as in MLflow).
   */
  const experimentOfArtifactPath = async (path: string): Promise<string | undefined> => {
    const [first, second] = path.split('/');
    if (first !== undefined && /^\d+$/.test(first)) return first;
    if (second === undefined || trackingStore === undefined) return undefined;
    try {
      const run = await trackingStore.getRun(second);
      const root = run.info.artifactUri;
      if (isProxiedArtifactUri(root) && `${path}/`.startsWith(`${proxiedArtifactPath(root)}/`)) return run.info.experimentId;
    } catch (error) {
      if (!isOrreryError(error) || error.code !== 'RESOURCE_DOES_NOT_EXIST') throw error;
    }
    return undefined;
  };

  /** The experiments a request acts on, read from its fields with the handlers' own reader (same coercions, same 400s). */
  const experimentsOf = async (request: FastifyRequest, from: ExperimentSource): Promise<Array<string | undefined>> => {
    const reader = requestReaderFor(request);
    switch (from) {
      case 'experiment_id':
        return [reader.id('experiment_id', { required: true })];
      case 'experiment_id_or_default':
        return [reader.id('experiment_id') || '0'];
      case 'experiment_name': {
        const name = reader.string('experiment_name', { required: true });
        if (trackingStore === undefined) return [undefined];
        const found = await trackingStore.getExperimentByName(name);
        if (found === null) throw new OrreryError('RESOURCE_DOES_NOT_EXIST', `Could not find experiment with name '${name}'`);
        return [found.experimentId];
      }
      case 'run_id':
        return [await experimentOfRun(reader.runId())];
      case 'run_id_list':
        return Promise.all(reader.stringList('run_id').map(experimentOfRun));
      case 'run_ids_list':
        return Promise.all(reader.stringList('run_ids').map(experimentOfRun));
      case 'artifact_url_path': {
        const url = request.routeOptions.url ?? '';
        return [await experimentOfArtifactPath(artifactPathFromUrl(request.url, url.slice(0, -1)))];
      }
      case 'artifact_query_path':
        return [await experimentOfArtifactPath(reader.string('path') ?? '')];
    }
  };

  const authorize = async (request: FastifyRequest, rule: RouteRule, auth: RequestAuth): Promise<void> => {
    if (rule.kind === 'open') return;
    const { user } = principalOf(request);
    switch (rule.kind) {
      case 'authenticated':
        if (rule.filter !== undefined && !user.isAdmin) {
          const [experiment, registeredModel] = await Promise.all([
            rule.filter === 'experiments' || rule.filter === 'runs' ? service.readableExperiments(user) : undefined,
            rule.filter === 'registered-models' || rule.filter === 'model-versions' ? service.readableRegisteredModels(user) : undefined,
          ]);
          auth.visibility = { experiment: experiment ?? (() => true), registeredModel: registeredModel ?? (() => true) };
        }
        return;
      case 'admin': {
        const username = requestReaderFor(request).raw('username');
        if (typeof username === 'string') auth.resource = `user:${username}`;
        if (!user.isAdmin) throw denied('only admins may do this');
        return;
      }
      case 'self': {
        const username = requestReaderFor(request).string('username', { required: true });
        auth.resource = `user:${username}`;
        if (!user.isAdmin && username !== user.username) throw denied(`only admins may act on other users than yourself (${user.username})`);
        return;
      }
      case 'experiment': {
        const ids = await experimentsOf(request, rule.from);
        auth.resource = ids.map((id) => (id === undefined ? 'experiment:?' : `experiment:${id}`)).join(',');
        if (user.isAdmin) return;
        for (const id of new Set(ids)) {
          const allowed =
            id === undefined ? permissionAllows(service.config.defaultPermission, rule.access) : await service.canAccessExperiment(user, id, rule.access);
          if (!allowed) throw denied(`you may not ${ACCESS_WORDS[rule.access]} ${id === undefined ? 'this artifact path' : `experiment ${id}`}`);
        }
        return;
      }
      case 'registered-model': {
        const name = requestReaderFor(request).string('name', { required: true });
        auth.resource = `registered_model:${name}`;
        if (!(await service.canAccessRegisteredModel(user, name, rule.access))) {
          throw denied(`you may not ${ACCESS_WORDS[rule.access]} registered model '${name}'`);
        }
        const runId = rule.runRead ? requestReaderFor(request).string('run_id') : undefined;
        if (runId) {
          const experimentId = await experimentOfRun(runId);
          if (!(await service.canAccessExperiment(user, experimentId, 'read'))) {
            throw denied(`you may not read experiment ${experimentId}, which run ${runId} belongs to`);
          }
        }
        return;
      }
    }
  };

  app.addHook('onRequest', async (request) => {
    const rule = request.routeOptions.url === undefined ? undefined : ruleFor(request.method === 'HEAD' ? 'GET' : request.method, request.routeOptions.url);
    if (rule?.kind === 'open') return;
    const header = request.headers.authorization;
    authOf(request).principal = await service.authenticate(header, { remoteAddress: request.ip });
  });

  app.addHook('preHandler', async (request) => {
    if (request.is404) return;
    const url = request.routeOptions.url;
    const rule = url === undefined ? undefined : ruleFor(request.method === 'HEAD' ? 'GET' : request.method, url);
    const auth = authOf(request);
    if (rule === undefined) {
      // A route nobody mapped: fail closed (the route-catalog test keeps this from happening).
      if (auth.principal?.user.isAdmin) return;
      request.log.error({ route: url, method: request.method }, 'route has no entry in ROUTE_PERMISSIONS; refused');
      throw denied('this route has no permission rule; only admins may call it');
    }
    await authorize(request, rule, auth);
  });

  const afterWrite = async (request: FastifyRequest, what: AfterWrite, payload: unknown): Promise<void> => {
    const { user } = principalOf(request);
    const auth = authOf(request);
    const body = typeof payload === 'string' ? (JSON.parse(payload) as Record<string, unknown>) : {};
    const reader = requestReaderFor(request);
    switch (what) {
      case 'grant-experiment-creator': {
        const experimentId = String(body.experiment_id);
        auth.resource = `experiment:${experimentId}`;
        await service.grantExperimentCreator(experimentId, user.username);
        return;
      }
      case 'grant-registered-model-creator': {
        const name = String((body.registered_model as { name?: unknown } | undefined)?.name);
        auth.resource = `registered_model:${name}`;
        await service.grantRegisteredModelCreator(name, user.username);
        return;
      }
      case 'move-registered-model-rows':
        await service.registeredModelRenamed(reader.string('name', { required: true }), reader.string('new_name', { required: true }));
        return;
      case 'delete-registered-model-rows':
        await service.registeredModelDeleted(reader.string('name', { required: true }));
        return;
    }
  };

  app.addHook('onSend', async (request, reply: FastifyReply, payload) => {
    if (reply.statusCode !== 200 || request.routeOptions.url === undefined) return payload;
    const rule = ruleFor(request.method, request.routeOptions.url);
    const after = rule !== undefined && 'after' in rule ? rule.after : undefined;
    if (after !== undefined) await afterWrite(request, after, payload);
    return payload;
  });

  // onSend, not onResponse: the entry is stored before the client gets its answer, so nothing is
  // acknowledged without its audit line and a client reading the log right after sees it.
  app.addHook('onSend', async (request, reply, payload) => {
    if (request.method === 'GET' || request.method === 'HEAD' || request.method === 'OPTIONS') return payload;
    const auth = requestAuth.get(request);
    try {
      await service.audit({
        ...(auth?.principal !== undefined ? { username: auth.principal.user.username } : {}),
        // The path as requested (artifact routes name the file); the query is left out.
        action: `${request.method} ${(request.url.split('?')[0] ?? '').slice(0, 1000)}`,
        ...(auth?.resource !== undefined ? { resource: auth.resource } : {}),
        status: reply.statusCode,
        remoteAddress: request.ip,
      });
    } catch (error) {
      request.log.error({ err: error }, 'could not append to the audit log');
    }
    return payload;
  });
}

