import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { errors, uriScheme } from '@orrery/core';
import { PostgresExecutor, parsePostgresUri } from '@orrery/plugin-postgres';
import { SqliteExecutor, parseSqliteUri } from '@orrery/plugin-sqlite';
import { MlflowFileSource } from './mlflow-file-source.js';
import { MlflowSqlSource } from './mlflow-sql-source.js';
import type { MlflowSource } from './mlflow-source.js';

/**
 * Opens an MLflow backend store URI as MLflow spells them: `sqlite:///mlflow.db`,
 * `postgresql://...` (with or without a `+driver`), `file:///.../mlruns` or a plain path. The
 * database is only read (SQLite files are opened read-only).
 */
export async function openMlflowSource(uri: string, cwd: string = process.cwd()): Promise<MlflowSource> {
  const scheme = uriScheme(uri);
  if (scheme === 'sqlite') {
    const location = parseSqliteUri(uri, cwd);
    if (location.kind === 'memory') throw errors.invalidParameter('--from cannot be an in-memory SQLite database.');
    const executor = new SqliteExecutor(location.path, { readOnly: true, searchThread: false });
    return openSql(executor, 'SQLite');
  }
  if (scheme === 'postgresql' || scheme === 'postgres') {
    const parsed = parsePostgresUri(uri.replace(/^postgres(?:ql)?\+[^:]*:/i, 'postgresql:'));
    return openSql(new PostgresExecutor(parsed.poolConfig), 'PostgreSQL');
  }
  if (scheme === 'file') {
    const root = uri.startsWith('file:') ? fileURLToPath(uri) : path.resolve(cwd, uri);
    return new MlflowFileSource(root);
  }
  throw errors.invalidParameter(
    `orrery import reads MLflow stores on sqlite:, postgresql: and file: (mlruns/) URIs; '${scheme}' is not supported.`,
  );
}

async function openSql(executor: SqliteExecutor | PostgresExecutor, kind: string): Promise<MlflowSource> {
  try {
    return await MlflowSqlSource.open(executor, kind);
  } catch (error) {
    await executor.close();
    throw error;
  }
}
