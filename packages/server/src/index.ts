export { createServer, API_PREFIXES, DEFAULT_JSON_BODY_LIMIT, type CreateServerOptions } from './app.js';
export {
  startServer,
  resolveServerSettings,
  PROXIED_ARTIFACT_ROOT,
  type StartServerOptions,
  type ResolvedServerSettings,
  type RunningServer,
} from './start-server.js';
export { registerServerCommand, serverOptionsFrom, type ServerCommandOptions } from './server-command.js';
export { TRACKING_ROUTES, LOGGED_MODELS_TAG, type TrackingRoute, type TrackingRouteContext } from './routes/tracking-routes.js';
export { isProxiedArtifactUri, proxiedArtifactPath, ARTIFACTS_ROUTE_ANCHOR } from './routes/proxied-artifact-uri.js';
export { SERVER_VERSION } from './server-version.js';
