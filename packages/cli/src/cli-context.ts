import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import type { Command } from 'commander';
import { BUILTIN_PLUGIN_PACKAGES, DEFAULT_STORE_PLUGIN_PACKAGE, OrreryClient } from '@orrery/client';
import {
  createLogger,
  createOrreryContainer,
  disposeContainer,
  OrreryTokens,
  resolve,
  type DependencyContainer,
  type Logger,
  type PluginRegistry,
} from '@orrery/core';
import { createOutput, type Output } from './output.js';

/** Options every command accepts (declared on the program). */
export interface GlobalOptions {
  trackingUri?: string;
  /** Model registry URI (program-wide, or on `models` and `artifacts download`). */
  registryUri?: string;
  json?: boolean;
}

/** What a command needs: output, and a registry and client opened on first use and closed after. */
export interface CliContext {
  readonly output: Output;
  readonly logger: Logger;
  registry(): Promise<PluginRegistry>;
  /** The CLI's Orrery container (no tracking store opened): the registry and the store openers. */
  container(): Promise<DependencyContainer>;
  client(): Promise<OrreryClient>;
  close(): Promise<void>;
}

/**
 * The client's default plugins are resolved from the client's own install location, so they are
 * found even when the user's project installed only the CLI.
 */
function clientLocation(): string {
  // The client exports its package.json, so this resolves wherever pnpm or npm put it.
  return pathToFileURL(createRequire(import.meta.url).resolve('@orrery/client/package.json')).href;
}

export function createCliContext(options: GlobalOptions): CliContext {
  // Warnings go to stderr as JSON lines; keep the CLI quiet unless asked.
  const logger = createLogger({ name: 'orrery-cli', level: process.env.ORRERY_LOG_LEVEL ?? 'error' });
  // The CLI's composition root: discovery runs here once; the client's container is its child.
  let root: Promise<DependencyContainer> | undefined;
  let client: Promise<OrreryClient> | undefined;
  const getRoot = () =>
    (root ??= createOrreryContainer({
      logger,
      openTrackingStore: false,
      plugins: {
        builtinPackages: [
          { from: clientLocation(), names: BUILTIN_PLUGIN_PACKAGES },
          // The CLI itself depends on SQLite, so `orrery` works with `./orrery.db` out of the box.
          // Project backends: local (with @orrery/projects) and queue.
          { from: import.meta.url, names: [DEFAULT_STORE_PLUGIN_PACKAGE, '@orrery/projects', '@orrery/plugin-queue'] },
        ],
      },
      ...(options.trackingUri !== undefined ? { trackingUri: options.trackingUri } : {}),
      ...(options.registryUri !== undefined ? { registryUri: options.registryUri } : {}),
    }));
  return {
    output: createOutput(options.json === true),
    logger,
    registry: async () => resolve(await getRoot(), OrreryTokens.pluginRegistry),
    container: getRoot,
    client: () =>
      (client ??= getRoot().then((parent) =>
        OrreryClient.create({
          parent,
          ...(options.trackingUri !== undefined ? { trackingUri: options.trackingUri } : {}),
          ...(options.registryUri !== undefined ? { registryUri: options.registryUri } : {}),
        }),
      )),
    async close() {
      if (client) await (await client.catch(() => undefined))?.close();
      if (root) {
        const container = await root.catch(() => undefined);
        if (container !== undefined) await disposeContainer(container);
      }
    },
  };
}

/**
 * Wraps a command action: builds the context from the global options, runs the action, and
 * always closes what it opened. Errors propagate to the top level, which prints one line.
 */
export function action<A extends unknown[]>(
  run: (context: CliContext, ...args: A) => Promise<void>,
): (...args: [...A, unknown, Command]) => Promise<void> {
  return async (...args) => {
    const command = args[args.length - 1] as Command;
    const context = createCliContext(command.optsWithGlobals<GlobalOptions>());
    try {
      await run(context, ...(args.slice(0, -1) as unknown as A));
    } finally {
      await context.close();
    }
  };
}
