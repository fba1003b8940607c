/**
 * `orrery server`, with `mlflow server`'s flag names. Each flag also reads an environment
 * variable, `ORRERY_<NAME>` first, then MLflow's `MLFLOW_<NAME>`:
 * BACKEND_STORE_URI, REGISTRY_STORE_URI, DEFAULT_ARTIFACT_ROOT, ARTIFACTS_DESTINATION,
 * SERVE_ARTIFACTS, ARTIFACTS_ONLY, HOST, PORT, WORKERS; `--allowed-hosts` reads
 * `ORRERY_ALLOWED_HOSTS`, then MLflow 3's `MLFLOW_SERVER_ALLOWED_HOSTS`; and
 * `ORRERY_ALLOWED_ARTIFACT_ROOTS` (comma-separated, Orrery's own) for the repeatable
 * `--allowed-artifact-root`; `--static-prefix` reads `ORRERY_STATIC_PREFIX`.
 *
 * `orrery ui` is MLflow's `mlflow ui`: the same server, with the same flags and defaults (the
 * local SQLite store), named for what a person starts it for.
 */
import cluster from 'node:cluster';
import { Option, type Command } from 'commander';
import { startServer, type StartServerOptions } from './start-server.js';
import { closeOnSignals } from './operations/graceful-shutdown.js';

type Env = NodeJS.ProcessEnv;

function fromEnv(env: Env, name: string): string | undefined {
  for (const prefix of ['ORRERY_', 'MLFLOW_']) {
    const value = env[`${prefix}${name}`];
    if (value !== undefined && value.trim() !== '') return value.trim();
  }
  return undefined;
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value.trim();
}

function parseBoolean(name: string, value: string): boolean {
  if (/^(1|true|yes|on)$/i.test(value)) return true;
  if (/^(0|false|no|off)$/i.test(value)) return false;
  throw new Error(`Invalid ${name}=${value}: expected true or false.`);
}

function parseInteger(name: string, value: string): number {
  if (!/^\d+$/.test(value.trim())) throw new Error(`Invalid ${name} ${value}: expected a non-negative integer.`);
  return Number(value.trim());
}

/** Raw option values as commander gives them. */
export interface ServerCommandOptions {
  backendStoreUri?: string;
  registryStoreUri?: string;
  defaultArtifactRoot?: string;
  artifactsDestination?: string;
  allowedArtifactRoot?: string[];
  serveArtifacts?: boolean;
  artifactsOnly?: boolean;
  host?: string;
  port?: string;
  workers?: string;
  allowedHosts?: string;
  appName?: string;
  staticPrefix?: string;
}

/**
 * Merges flags and environment variables: a flag given on the command line wins, then
 * `ORRERY_*`, then `MLFLOW_*`, then the defaults of `startServer`.
 */
export function serverOptionsFrom(
  flags: ServerCommandOptions,
  fromCommandLine: (name: keyof ServerCommandOptions) => boolean,
  env: Env = process.env,
): StartServerOptions {
  const pick = (name: keyof ServerCommandOptions, envName: string): string | undefined => {
    const flag = flags[name];
    if (fromCommandLine(name) && typeof flag === 'string') return flag;
    return fromEnv(env, envName) ?? (typeof flag === 'string' ? flag : undefined);
  };
  const pickBoolean = (name: 'serveArtifacts' | 'artifactsOnly', envName: string): boolean | undefined => {
    if (fromCommandLine(name)) return flags[name];
    const value = fromEnv(env, envName);
    return value === undefined ? undefined : parseBoolean(envName, value);
  };
  const options: StartServerOptions = {};
  const backendStoreUri = pick('backendStoreUri', 'BACKEND_STORE_URI');
  if (backendStoreUri !== undefined) options.backendStoreUri = backendStoreUri;
  const registryStoreUri = pick('registryStoreUri', 'REGISTRY_STORE_URI');
  if (registryStoreUri !== undefined) options.registryStoreUri = registryStoreUri;
  const defaultArtifactRoot = pick('defaultArtifactRoot', 'DEFAULT_ARTIFACT_ROOT');
  if (defaultArtifactRoot !== undefined) options.defaultArtifactRoot = defaultArtifactRoot;
  const artifactsDestination = pick('artifactsDestination', 'ARTIFACTS_DESTINATION');
  if (artifactsDestination !== undefined) options.artifactsDestination = artifactsDestination;
  // The flag, when given, replaces the variable (as every other flag does); no MLFLOW_ twin exists.
  const allowedRoots = fromCommandLine('allowedArtifactRoot')
    ? (flags.allowedArtifactRoot ?? [])
    : (env.ORRERY_ALLOWED_ARTIFACT_ROOTS ?? '').split(',').map((root) => root.trim()).filter((root) => root !== '');
  if (allowedRoots.length > 0) options.allowedArtifactRoots = allowedRoots;
  const serveArtifacts = pickBoolean('serveArtifacts', 'SERVE_ARTIFACTS');
  if (serveArtifacts !== undefined) options.serveArtifacts = serveArtifacts;
  const artifactsOnly = pickBoolean('artifactsOnly', 'ARTIFACTS_ONLY');
  if (artifactsOnly !== undefined) options.artifactsOnly = artifactsOnly;
  const host = pick('host', 'HOST');
  if (host !== undefined) options.host = host;
  const port = pick('port', 'PORT');
  if (port !== undefined) options.port = parseInteger('--port', port);
  const workers = pick('workers', 'WORKERS');
  if (workers !== undefined) options.workers = parseInteger('--workers', workers);
  const allowedHosts = pick('allowedHosts', 'ALLOWED_HOSTS') ?? nonEmpty(env.MLFLOW_SERVER_ALLOWED_HOSTS);
  if (allowedHosts !== undefined) options.allowedHosts = [allowedHosts];
  const staticPrefix = fromCommandLine('staticPrefix') ? flags.staticPrefix : (nonEmpty(env.ORRERY_STATIC_PREFIX) ?? flags.staticPrefix);
  if (staticPrefix !== undefined) options.staticPrefix = staticPrefix;
  // As `mlflow server`, the app is chosen by the flag only (no environment variable).
  if (flags.appName !== undefined) options.appName = flags.appName;
  return options;
}

/** Adds `orrery server` to a commander program. */
export function registerServerCommand(program: Command): Command {
  return addServerCommand(program, 'server', 'Run the tracking server: MLflow REST API 2.0, the artifact proxy and the web UI.');
}

/** Adds `orrery ui` (MLflow's `mlflow ui`): the server with the web UI, on the local store by default. */
export function registerUiCommand(program: Command): Command {
  return addServerCommand(program, 'ui', 'Run the web UI (the tracking server, on ./orrery.db unless told otherwise) and open it at http://127.0.0.1:5000/.');
}

function addServerCommand(program: Command, name: string, description: string): Command {
  return program
    .command(name)
    .description(description)
    .option('--backend-store-uri <uri>', 'tracking store URI (default: sqlite:///<cwd>/orrery.db) [env ORRERY_BACKEND_STORE_URI]')
    .option('--registry-store-uri <uri>', 'model registry store URI (default: the backend store URI) [env ORRERY_REGISTRY_STORE_URI]')
    .option(
      '--default-artifact-root <uri>',
      'artifact root of new experiments (default: mlflow-artifacts:/ when serving artifacts, else ./orrery-artifacts) [env ORRERY_DEFAULT_ARTIFACT_ROOT]',
    )
    .option('--artifacts-destination <uri>', 'where the artifact proxy stores files (default: ./orrery-artifacts) [env ORRERY_ARTIFACTS_DESTINATION]')
    .option(
      '--allowed-artifact-root <uri>',
      'another artifact root the server may open with its own credentials (repeatable) [env ORRERY_ALLOWED_ARTIFACT_ROOTS, comma-separated]',
      (value: string, previous: string[] | undefined) => [...(previous ?? []), value],
    )
    .option('--serve-artifacts', 'serve the artifact proxy (default) [env ORRERY_SERVE_ARTIFACTS]')
    .option('--no-serve-artifacts', 'do not serve the artifact proxy')
    .option('--artifacts-only', 'serve only the artifact proxy [env ORRERY_ARTIFACTS_ONLY]', false)
    // `-h` is the host, as in `mlflow server`; help stays on --help.
    .helpOption('--help', 'display help for command')
    .addOption(new Option('-h, --host <host>', 'address to listen on (default: 127.0.0.1) [env ORRERY_HOST]'))
    .option('-p, --port <port>', 'port to listen on (default: 5000) [env ORRERY_PORT]')
    .option('-w, --workers <n>', 'number of worker processes (default: 1) [env ORRERY_WORKERS]')
    .option(
      '--allowed-hosts <hosts>',
      'comma-separated Host headers to answer: names, addresses, *.domain, prefix.*, optional :port, or * for any ' +
        '(default: the bound host, localhost, 127.0.0.1, [::1]) [env ORRERY_ALLOWED_HOSTS, MLFLOW_SERVER_ALLOWED_HOSTS]',
    )
    .option(
      '--app-name <name>',
      'basic-auth: require credentials and permissions as MLflow\'s basic-auth app (config: the ini file MLFLOW_AUTH_CONFIG_PATH names; see docs/security.md)',
    )
    .option('--static-prefix <prefix>', "serve the web UI and its API copy below this path, e.g. /mlflow (starts with '/', no trailing '/') [env ORRERY_STATIC_PREFIX]")
    // Accepted so that an `mlflow server` command line runs unchanged; each says what Orrery does instead.
    .option('--expose-prometheus <dir>', 'accepted for MLflow compatibility: Orrery always serves Prometheus metrics at /metrics; the directory is not used')
    .option('--gunicorn-opts <opts>', 'accepted for MLflow compatibility and ignored: Orrery does not run under gunicorn (use --workers)')
    .action(async function (this: Command) {
      const flags = this.opts<ServerCommandOptions & { exposePrometheus?: string; gunicornOpts?: string }>();
      if (flags.exposePrometheus !== undefined) {
        console.error('orrery server: --expose-prometheus is not needed: metrics are served at /metrics (the directory is not used).');
      }
      if (flags.gunicornOpts !== undefined) console.error('orrery server: --gunicorn-opts is ignored: Orrery does not run under gunicorn; use --workers.');
      const options = serverOptionsFrom(flags, (name) => this.getOptionValueSource(name) === 'cli');
      const server = await startServer(options);
      closeOnSignals(server, { ...(server.app ? { logger: server.app.log } : {}) });
      // Workers of a cluster stay quiet; the primary (or the single process) prints the address.
      if (cluster.isPrimary) console.log(`orrery server listening at ${server.url}`);
    });
}
