import { findDockerEngine, type DockerEngine, type DockerEngineResult } from './docker-engine.js';
import { POSTGRES_SERVICE, REDIS_SERVICE } from './service-definitions.js';
import { probeConnection } from './tcp-probe.js';

/** Where a test service came from, in the order the registry tries them. */
export type TestServiceSource = 'env' | 'local' | 'container' | 'binary';

/** A service a test suite can use. */
export interface TestService {
  name: string;
  /** Connection URL (credentials included when the env var gave them: never log it). */
  url: string;
  source: TestServiceSource;
  /** Stops what the registry started (a container or a binary); does nothing for env and local services. */
  stop(): Promise<void>;
}

/** What a container or binary starter hands back. */
export interface StartedTestService {
  url: string;
  stop(): Promise<void>;
}

/** How to find one kind of service. */
export interface TestServiceDefinition {
  /** The name tests ask for: `postgres`, `redis`, later `azurite`, `ftp`, `sftp`. */
  name: string;
  /** Human name for messages. */
  displayName: string;
  /** The env var whose URL wins over everything else, e.g. `ORRERY_TEST_POSTGRES_URL`. */
  envVar: string;
  /** The port probed on the local host. */
  localPort: number;
  /** The URL of a service found listening locally. */
  localUrl(host: string, port: number): string;
  /** Shown in the failure message as the form the env var takes. */
  urlExample: string;
  /** What to install, for the failure message. */
  installHint: string;
  /** Starts a testcontainers container on a reachable Docker engine (see service-containers.ts). */
  startContainer?: ((engine: DockerEngine) => Promise<StartedTestService>) | undefined;
  /** Hook: starts the service from a binary installed on this machine, or returns a reason it cannot. */
  startBinary?: (() => Promise<StartedTestService | { unavailable: string }>) | undefined;
}

/** Knobs for tests of the registry itself; suites call `getTestService(name)` with none. */
export interface ResolveTestServiceOptions {
  /** Environment to read the URL variable and DOCKER_HOST from; default `process.env`. */
  env?: Record<string, string | undefined>;
  /** Host probed for a local service; default 127.0.0.1. */
  host?: string;
  /** Port probed instead of the definition's. */
  port?: number;
  /** Default 1000 ms. */
  probeTimeoutMs?: number;
  /** A fixed Docker detection result instead of looking for an engine. */
  docker?: DockerEngineResult;
  /** Whether containers are used; default from `ORRERY_TEST_CONTAINERS` (see `ContainerMode`), else `auto`. */
  containers?: ContainerMode;
  /** Where the registry says it passed over a source it was pointed at; default a line on stderr. */
  log?: (line: string) => void;
}

/**
 * `auto` (default): the usual order, containers when an engine answers. `always`: only the env
 * var URL or a container (no local service, no harness binary), failing with a message naming
 * Docker when no engine answers. `never`: no containers, even when an engine answers.
 */
export type ContainerMode = 'auto' | 'always' | 'never';

/** The env var that sets `ContainerMode` for every suite. */
export const CONTAINERS_ENV = 'ORRERY_TEST_CONTAINERS';

function containerMode(options: ResolveTestServiceOptions, env: Record<string, string | undefined>): ContainerMode {
  if (options.containers !== undefined) return options.containers;
  const value = (env[CONTAINERS_ENV] ?? '').trim().toLowerCase();
  if (value === '' || value === 'auto') return 'auto';
  if (value === 'always' || value === 'never') return value;
  throw new Error(`${CONTAINERS_ENV} must be auto, always or never, not '${env[CONTAINERS_ENV]}'.`);
}

const logToStderr = (line: string): void => {
  process.stderr.write(`${line}\n`);
};

/** Thrown when no way of getting a service worked; the message lists every attempt and the fixes. */
export class TestServiceUnavailableError extends Error {
  constructor(
    readonly serviceName: string,
    message: string,
  ) {
    super(message);
    this.name = 'TestServiceUnavailableError';
  }
}

const definitions = new Map<string, TestServiceDefinition>(
  [POSTGRES_SERVICE, REDIS_SERVICE].map((definition) => [definition.name, definition]),
);

/** Adds a service kind to the registry. Throws if the name is taken, so two definitions never race. */
export function registerTestService(definition: TestServiceDefinition): void {
  if (definitions.has(definition.name)) {
    throw new Error(`A test service named '${definition.name}' is already registered.`);
  }
  definitions.set(definition.name, definition);
}

/** The names tests can ask for. */
export function registeredTestServices(): string[] {
  return [...definitions.keys()].sort();
}

const noop = async (): Promise<void> => {};

function checkUrl(definition: TestServiceDefinition, value: string): string {
  try {
    new URL(value);
  } catch {
    // The value may hold a password, so it is not repeated here.
    throw new TestServiceUnavailableError(
      definition.name,
      `${definition.envVar} is set but is not a URL. Expected the form ${definition.urlExample}.`,
    );
  }
  return value;
}

/**
 * Hands a test suite a real service, trying in order: the URL in the definition's env var; a
 * service already listening on 127.0.0.1 at its usual port; a testcontainers container when a
 * Docker engine is reachable; a binary the harness starts itself (`ORRERY_TEST_CONTAINERS`
 * changes the middle of that order, see `ContainerMode`). When all fail it throws
 * `TestServiceUnavailableError` listing each attempt, the env var and what to install. It never
 * returns "skip": a suite without its service must fail.
 */
export async function getTestService(name: string, options: ResolveTestServiceOptions = {}): Promise<TestService> {
  const definition = definitions.get(name);
  if (!definition) {
    throw new Error(`Unknown test service '${name}'. Known services: ${registeredTestServices().join(', ')}.`);
  }
  const env = options.env ?? process.env;
  const attempts: string[] = [];

  const fromEnv = env[definition.envVar];
  if (fromEnv !== undefined && fromEnv.trim() !== '') {
    return { name, url: checkUrl(definition, fromEnv.trim()), source: 'env', stop: noop };
  }
  attempts.push(`${definition.envVar}: not set`);

  const mode = containerMode(options, env);
  const log = options.log ?? logToStderr;

  const host = options.host ?? '127.0.0.1';
  const port = options.port ?? definition.localPort;
  if (mode !== 'always') {
    const probe = await probeConnection({ host, port }, options.probeTimeoutMs ?? 1000);
    if (probe.open) {
      return { name, url: definition.localUrl(host, port), source: 'local', stop: noop };
    }
    attempts.push(`a ${definition.displayName} listening on ${host}:${port}: ${probe.reason}`);
  }

  if (mode === 'never') {
    attempts.push(`testcontainers: not tried (${CONTAINERS_ENV}=never)`);
  } else {
    const docker = options.docker ?? (await findDockerEngine(env));
    let passedOver: string | undefined;
    if (!docker.found) {
      attempts.push(`testcontainers: ${docker.reason}`);
      // Said aloud only when an engine was expected; on a machine without Docker it is the usual path.
      if (env.DOCKER_HOST) passedOver = docker.reason;
    } else if (!definition.startContainer) {
      attempts.push(
        `testcontainers: a Docker engine answers at ${docker.engine.endpoint}, but '${name}' has no container ` +
          `(fill the startContainer hook of its definition; packages/testkit/src/services/service-containers.ts has the others)`,
      );
    } else {
      try {
        const started = await definition.startContainer(docker.engine);
        return { name, url: started.url, source: 'container', stop: started.stop };
      } catch (error) {
        const reason = error instanceof Error ? error.message : String(error);
        attempts.push(`testcontainers on ${docker.engine.endpoint}: ${reason}`);
        passedOver = `a container on ${docker.engine.endpoint} did not start: ${reason}`;
      }
    }
    if (mode === 'always') {
      throw new TestServiceUnavailableError(
        name,
        [
          `${CONTAINERS_ENV}=always asks for a ${definition.displayName} container from Docker, and none could be started:`,
          ...attempts.map((attempt, i) => `  ${i + 1}. ${attempt}`),
          `Fix it with one of:`,
          `  - start Docker (Docker Engine or Docker Desktop), or point DOCKER_HOST at a running Docker engine (unix:///var/run/docker.sock, tcp://host:2375)`,
          `  - set ${definition.envVar}, e.g. ${definition.envVar}=${definition.urlExample}`,
          `  - unset ${CONTAINERS_ENV} to use a local service or a harness-started binary`,
        ].join('\n'),
      );
    }
    if (passedOver !== undefined) {
      log(`[orrery testkit] ${name}: no container (${passedOver}); trying the next source: a harness-started binary`);
    }
  }

  if (!definition.startBinary) {
    attempts.push(`a harness-started binary: none is registered for '${name}'`);
  } else {
    try {
      const started = await definition.startBinary();
      if ('unavailable' in started) attempts.push(`a harness-started binary: ${started.unavailable}`);
      else return { name, url: started.url, source: 'binary', stop: started.stop };
    } catch (error) {
      attempts.push(`a harness-started binary: ${error instanceof Error ? error.message : String(error)}`);
    }
  }

  throw new TestServiceUnavailableError(
    name,
    [
      `No ${definition.displayName} is available for the tests. Tried, in order:`,
      ...attempts.map((attempt, i) => `  ${i + 1}. ${attempt}`),
      `Fix it with one of:`,
      `  - set ${definition.envVar} to a ${definition.displayName} URL, e.g. ${definition.envVar}=${definition.urlExample}`,
      `  - ${definition.installHint}`,
      definition.startContainer
        ? `  - start Docker, or point DOCKER_HOST at a running Docker engine: the registry then starts a ${definition.displayName} container`
        : `  - make a Docker engine reachable (once a container for '${name}' is wired in)`,
    ].join('\n'),
  );
}
