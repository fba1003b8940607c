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

/** Imports a browser cannot load: Node's modules and server-side libraries. */
function browserUnsafeImports(what) {
  return [
    { group: ['node:*'], message: `${what} is browser-safe: no Node modules.` },
    {
      group: ['fs', 'fs/*', 'path', 'os', 'stream', 'stream/*', 'crypto', 'url', 'util', 'buffer', 'events', 'child_process', 'http', 'https', 'net', 'zlib'],
      message: `${what} is browser-safe: no Node modules.`,
    },
    {
      group: ['pino', 'pino-*', 'tsyringe', 'reflect-metadata', 'fastify', 'fastify-*', '@fastify/*', 'undici', 'fast-json-stringify'],
      message: `${what} is browser-safe: no server-side libraries.`,
    },
  ];
}

/** Node's globals, which a browser does not have. */
function browserUnsafeGlobals(what) {
  return [
    { name: 'Buffer', message: `${what} is browser-safe: use Uint8Array.` },
    { name: 'process', message: `${what} is browser-safe: no process.` },
    { name: 'require', message: `${what} is an ES module.` },
    { name: '__dirname', message: `${what} is browser-safe.` },
    { name: 'setImmediate', message: `${what} is browser-safe.` },
  ];
}

/** The files `@orrery/core/browser` reaches (checked by packages/core/test/boundaries/browser-entry.test.ts). */
const coreBrowserFiles = [
  'packages/core/src/browser.ts',
  'packages/core/src/entities/*.ts',
  'packages/core/src/errors/*.ts',
  'packages/core/src/validation/*.ts',
  'packages/core/src/logging/uri-redaction.ts',
  'packages/core/src/formats/python-type-names.ts',
  'packages/core/src/contracts/tracking-store.ts',
  'packages/core/src/contracts/model-registry-store.ts',
  'packages/core/src/contracts/run-context-provider.ts',
  'packages/core/src/contracts/project-backend.ts',
  'packages/core/src/contracts/auth-store.ts',
  'packages/core/src/search/ast.ts',
  'packages/core/src/search/filter-lexer.ts',
  'packages/core/src/search/filter-parser.ts',
  'packages/core/src/search/order-by.ts',
  'packages/core/src/search/search-entity.ts',
  'packages/core/src/search/search-keys.ts',
  'packages/core/src/search/evaluate-filter.ts',
  'packages/core/src/search/like-pattern.ts',
  'packages/core/src/search/format-filter.ts',
  'packages/core/src/formats/yaml-text.ts',
  'packages/core/src/formats/mlmodel-file.ts',
];

/** Core is the bottom of the graph: every other Orrery package depends on it, never the reverse. */
const orreryPackagesFromCore = { group: ['@orrery/*'], message: 'core depends on no other Orrery package (they depend on core).' };

export default tseslint.config(
  { ignores: ['**/dist/**', '**/node_modules/**', '**/.tmp/**', 'coverage/**', 'packages/ui/build/**'] },
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
            ...browserUnsafeImports('protocol'),
            { group: ['@orrery/*', '!@orrery/core'], message: 'protocol depends on nothing but core\'s types.' },
          ],
        },
      ],
      'no-restricted-globals': ['error', ...browserUnsafeGlobals('protocol')],
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
    // `@orrery/core/browser` (packages/core/src/browser.ts) and every file it reaches: browser-safe
    // like protocol, and still free of drivers. This block replaces the core block's
    // no-restricted-imports for these files, so it repeats the driver patterns.
    // packages/core/test/boundaries/browser-entry.test.ts fails if browser.ts reaches a file not listed.
    files: coreBrowserFiles,
    languageOptions: { globals: { process: 'off', Buffer: 'off', setImmediate: 'off' } },
    rules: {
      'no-restricted-imports': ['error', { patterns: [...browserUnsafeImports('@orrery/core/browser'), driverImports, orreryPackagesFromCore] }],
      'no-restricted-globals': ['error', ...browserUnsafeGlobals('@orrery/core/browser')],
    },
  },
  {
    // The web UI runs in browsers: no Node modules or globals, core only through its browser entry
    // (and for types), nothing of the server.
    files: ['packages/ui/src/**/*.{ts,tsx}'],
    languageOptions: {
      globals: { process: 'off', Buffer: 'off', setImmediate: 'off', window: 'readonly', document: 'readonly', fetch: 'readonly' },
    },
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [{ name: '@orrery/core', message: 'Import `@orrery/core/browser` (types only): the main entry is Node code.' }],
          patterns: [
            ...browserUnsafeImports('the web UI'),
            { group: ['@orrery/*', '!@orrery/protocol', '!@orrery/core', '!@orrery/core/browser'], message: 'the web UI talks to the server over HTTP.' },
          ],
        },
      ],
      'no-restricted-globals': ['error', ...browserUnsafeGlobals('the web UI')],
    },
  },
  {
    files: ['**/*.mjs', '**/*.js'],
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
);
