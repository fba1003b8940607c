export { createServer, checkStaticPrefix, API_PREFIXES, DEFAULT_JSON_BODY_LIMIT, METRICS_PATH, type CreateServerOptions } from './app.js';
export { serverRoutes, type RouteInfo, type RouteDocumentation } from './route-catalog.js';
export { buildOpenApiDocument, OPENAPI_PATH } from './openapi/openapi-document.js';
export { MESSAGE_SCHEMAS, type JsonSchema } from './schemas/message-schemas.js';
export {
  startServer,
  resolveServerSettings,
  PROXIED_ARTIFACT_ROOT,
  type StartServerOptions,
  type ResolvedServerSettings,
  type RunningServer,
} from './start-server.js';
export { registerServerCommand, registerUiCommand, serverOptionsFrom, type ServerCommandOptions } from './server-command.js';
export { TRACKING_ROUTES, LOGGED_MODELS_TAG, type TrackingRoute, type TrackingRouteContext } from './routes/tracking-routes.js';
export { registerDeclaredRoutes, requestReaderFor, type ApiHttpMethod, type DeclaredRoute } from './routes/declared-route.js';
export { isProxiedArtifactUri, proxiedArtifactPath, ARTIFACTS_ROUTE_ANCHOR } from './routes/proxied-artifact-uri.js';
export { SERVER_VERSION } from './server-version.js';
export { closeOnSignals, DEFAULT_SHUTDOWN_GRACE_MS, type ShutdownOptions } from './operations/graceful-shutdown.js';
export {
  REGISTRY_ROUTES,
  registerRegistryRoutes,
  registryRouteContext,
  type RegistryRoute,
  type RegistryRouteContext,
  type RegistryServerOptions,
} from './routes/registry-routes.js';
export { checkModelVersionSource } from './routes/model-version-source.js';
export { modelVersionToWire, registeredModelToWire } from './wire/registry-wire.js';
export { parseAllowedHosts, defaultAllowedHosts, refuseHost, type AllowedHosts } from './operations/allowed-hosts.js';
export { ROUTE_PERMISSIONS, routePermissionKey, ruleFor, type RouteRule, type ExperimentSource, type AfterWrite, type SearchFilter } from './auth/route-permissions.js';
export { registerAuthLayer, authOf, principalOf, type RequestAuth, type AuthLayerOptions } from './auth/auth-layer.js';
export { AUTH_ROUTES, registerAuthRoutes, userToWire, type AuthRoute, type AuthRouteContext } from './routes/auth-routes.js';
export { visiblePage, type SearchVisibility, type VisiblePageInput } from './routes/visible-search.js';
export { APP_NAMES, type AppName } from './start-server.js';
