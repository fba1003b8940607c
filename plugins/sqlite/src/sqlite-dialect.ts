import type { SqlDialect } from '@orrery/sql';

/**
 * SQLite's SQL, as the shared layer's strategy: `?` placeholders, lists bound as one JSON text
 * read with `json_each`, and serial write transactions (better-sqlite3 runs one at a time under
 * SQLite's write lock), so no re-checks, key locks or row locks are needed. Its row-at-a-time
 * reads and prepared multi-row inserts are already cheap; its fast paths are in run searches,
 * whose plan the store chooses (SQLite keeps no value statistics to choose it itself): the
 * metric-rank search walked from the metric's index, and filters read from their most selective
 * clause or probed per run.
 */
const SQLITE_SCHEMA_CHANGES: Readonly<Record<number, readonly string[]>> = {
  // Migration 8: the history view, here over the only table that holds history.
  8: ['CREATE VIEW metric_history AS SELECT id, run_uuid, key, value, timestamp, step, is_nan FROM metrics'],
  // Migration 9: the experiment's runs in start-time order carry their name in the index, so a
  // run-name LIKE without a fixed prefix ('%999') checks names while walking the index and reads
  // only the matching rows (SQLite defers a row's read until a column outside the index is
  // needed): 100k runs walked in a fraction of the time a row read each takes.
  9: [
    'CREATE INDEX runs_experiment_stage_start_name ON runs (experiment_id, lifecycle_stage, start_time, name)',
    'DROP INDEX runs_experiment_stage_start',
  ],
};

export const sqliteDialect: SqlDialect = {
  name: 'sqlite',
  placeholder: () => '?',
  renderList: (textBefore, values, _elementType, bind) => `${textBefore}(SELECT value FROM json_each(${bind(JSON.stringify(values))}))`,
  ddl: {
    // The integer primary key is the rowid itself; a deleted last id may be handed out again.
    autoId: 'INTEGER PRIMARY KEY',
    // AUTOINCREMENT never reuses an id (a plain integer key hands out max+1).
    neverReusedId: 'INTEGER PRIMARY KEY AUTOINCREMENT',
    double: 'REAL',
    // SQLite's multi-row INSERT runs markedly slower (about 40% in our measurements) with NOT NULL
    // columns, and the store always writes every column of the metrics history, so they are left out.
    hotNotNull: '',
    // Tables stored clustered by their primary key: reading a run's params, tags or latest metrics
    // is one range scan instead of an index probe plus a row fetch per row.
    clustered: ' WITHOUT ROWID',
    // SQLite's default BINARY collation already compares bytes (code-point order for UTF-8).
    byteOrder: '',
  },
  trackingSchemaChanges: (version) => SQLITE_SCHEMA_CHANGES[version] ?? [],
  concurrentWriteTransactions: false,
  fastPaths: { metricRankSearch: { metricIndexFirst: true }, plannedRunSearch: { drive: 'join', perRunProbes: true } },
};

/**
 * How much of the database file a connection reads through a memory map instead of a read call
 * per page (SQLite's `mmap_size`). Address space only: pages count toward memory once touched and
 * the kernel may drop them. Searches over 100k runs read thousands of pages; through the map,
 * loading a page of 1000 runs took a quarter of the time (bench/search.mjs).
 */
export const SQLITE_MMAP_BYTES = 1 << 30;
