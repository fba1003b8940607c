import pg from 'pg';
import { afterAll, beforeAll } from 'vitest';
import type { FreshPostgresDatabase, PostgresAdmin } from '@orrery/testkit';
import { createFreshPostgresDatabase, getTestService, uniqueNamespace } from '@orrery/testkit';

/** Runs admin statements with a short-lived `pg` client. */
export const pgAdmin: PostgresAdmin = {
  async execute(url, statement) {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      await client.query(statement);
    } finally {
      await client.end();
    }
  },
};

/** One-off query on a URL, for assertions that look at tables directly. */
export async function queryRows<T>(url: string, text: string, values: unknown[] = []): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(text, values)).rows as T[];
  } finally {
    await client.end();
  }
}

export interface TestDatabase {
  /** The fresh database's URL (valid inside tests and later hooks). */
  readonly url: string;
  /** The database URL with a new, unique `schema=` parameter: an empty store each call. */
  freshSchemaUri(extra?: string): string;
}

/**
 * A fresh database for the test file (`orrery_test_<unique>` on the test PostgreSQL), dropped
 * after it. Stores inside it use a fresh schema per test, which is much cheaper than a database.
 */
export function useTestDatabase(): TestDatabase {
  let database: FreshPostgresDatabase | undefined;
  let stopService: (() => Promise<void>) | undefined;
  beforeAll(async () => {
    const service = await getTestService('postgres');
    stopService = service.stop;
    database = await createFreshPostgresDatabase(service.url, pgAdmin);
  });
  afterAll(async () => {
    await database?.drop();
    await stopService?.();
  });
  const url = (): string => {
    if (!database) throw new Error('the test database is not created yet: use it inside a test or a later hook');
    return database.url;
  };
  return {
    get url() {
      return url();
    },
    freshSchemaUri(extra = '') {
      return `${url()}?schema=${uniqueNamespace('s')}${extra ? `&${extra}` : ''}`;
    },
  };
}

export const silentLogger = {
  debug: () => {},
  info: () => {},
  warn: () => {},
  error: () => {},
  child: () => silentLogger,
};
