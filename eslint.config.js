import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/**
 * Database, storage, network and server libraries: they belong in a plugin (or the server/client
 * package), never in core, so that installing core (or a plugin's peer of it) builds and loads no
 * driver. Listed from what the plugins and faces of the product depend on today.
 */
const driverImports = {
  group: [
    'pg', 'pg-*', 'better-sqlite3', 'sqlite3', 'kysely', 'kysely-*',
    'ioredis', 'redis', '@redis/*', 'bullmq',
    '@azure/*', 'ssh2', 'ssh2-*', 'basic-ftp',
    'fastify', 'fastify-*', '@fastify/*', 'fast-json-stringify', 'prom-client', 'undici', 'commander',
    'testcontainers', 'vitest',
  ],
  message: 'core holds no database, storage, network or server library: put the code in a plugin, @orrery/server or @orrery/client.',
};

/** Core is the bottom of the graph: every other Orrery package depends on it, never the reverse. */
const orreryPackagesFromCore = { group: ['@orrery/*'], message: 'core depends on no other Orrery package (they depend on core).' };

export default tseslint.config(
  { ignores: ['**/dist/**', '**/node_modules/**', '**/.tmp/**', 'coverage/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      globals: { process: 'readonly', console: 'readonly', Buffer: 'readonly', setTimeout: 'readonly', clearTimeout: 'readonly', setImmediate: 'readonly', URL: 'readonly' },
    },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-console': 'off',
    },
  },
  {
    // @orrery/protocol runs in browsers too (the web UI imports it): no Node modules or globals, no
    // server-side libraries, and core for its types only (a value import would pull core's
    // node-only code into a browser bundle).
    files: ['packages/protocol/src/**/*.ts'],
    languageOptions: { globals: { process: 'off', Buffer: 'off', setImmediate: 'off' } },
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [{ name: '@orrery/core', allowTypeImports: true, message: 'Import core for its types only (`import type`): protocol must stay browser-safe.' }],
          patterns: [
            { group: ['node:*'], message: 'protocol is browser-safe: no Node modules.' },
            {
              group: ['fs', 'fs/*', 'path', 'os', 'stream', 'stream/*', 'crypto', 'url', 'util', 'buffer', 'events', 'child_process', 'http', 'https', 'net', 'zlib'],
              message: 'protocol is browser-safe: no Node modules.',
            },
            {
              group: ['pino', 'pino-*', 'tsyringe', 'reflect-metadata', 'fastify', 'fastify-*', '@fastify/*', 'undici', 'fast-json-stringify'],
              message: 'protocol is browser-safe: no server-side libraries.',
            },
            { group: ['@orrery/*', '!@orrery/core'], message: 'protocol depends on nothing but core\'s types.' },
          ],
        },
      ],
      'no-restricted-globals': [
        'error',
        { name: 'Buffer', message: 'protocol is browser-safe: use Uint8Array.' },
        { name: 'process', message: 'protocol is browser-safe: no process.' },
        { name: 'require', message: 'protocol is an ES module.' },
        { name: '__dirname', message: 'protocol is browser-safe.' },
        { name: 'setImmediate', message: 'protocol is browser-safe.' },
      ],
    },
  },
  {
    // Drivers stay out of core (CONVENTIONS: "No database or network drivers in here").
    files: ['packages/core/src/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [driverImports, orreryPackagesFromCore] }],
    },
  },
  {
    files: ['**/*.mjs', '**/*.js'],
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
);
