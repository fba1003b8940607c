import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { isOrreryError, uriScheme } from '@orrery/core';
import { parsePostgresUri } from '@orrery/plugin-postgres';

function invalid(uri: string): string {
  try {
    parsePostgresUri(uri);
  } catch (error) {
    expect(isOrreryError(error) && error.code).toBe('INVALID_PARAMETER_VALUE');
    return (error as Error).message;
  }
  throw new Error(`expected ${uri} to be refused`);
}

describe('PostgreSQL store URIs', () => {
  it('accepts postgresql://, postgres:// and postgresql+<driver>:// alike', () => {
    for (const uri of ['postgresql://ada:pw@db.example:6543/mlflow', 'postgres://ada:pw@db.example:6543/mlflow', 'postgresql+psycopg2://ada:pw@db.example:6543/mlflow']) {
      const { poolConfig } = parsePostgresUri(uri);
      expect(poolConfig).toMatchObject({ host: 'db.example', port: 6543, database: 'mlflow', user: 'ada', password: 'pw', ssl: false });
    }
    // Core strips the driver when picking the plugin.
    expect(uriScheme('postgresql+psycopg2://h/db')).toBe('postgresql');
  });

  it('decodes percent-encoded credentials and defaults the port', () => {
    const { poolConfig } = parsePostgresUri('postgresql://us%40er:p%2Fw%3A@localhost/db%20one');
    expect(poolConfig).toMatchObject({ user: 'us@er', password: 'p/w:', database: 'db one', port: 5432 });
  });

  it('reads pool size, timeouts, migrate and schema from parameters', () => {
    const { poolConfig, settings } = parsePostgresUri(
      'postgresql://h/db?pool_size=25&statement_timeout=1500&connect_timeout=3&pool_idle_timeout=1000&migrate=false&schema=tracking&application_name=ci',
    );
    expect(settings).toEqual({ poolSize: 25, idleTimeoutMs: 1000, connectTimeoutMs: 3000, statementTimeoutMs: 1500, migrate: false, schema: 'tracking' });
    expect(poolConfig).toMatchObject({
      max: 25,
      statement_timeout: 1500,
      query_timeout: 6500,
      connectionTimeoutMillis: 3000,
      idleTimeoutMillis: 1000,
      options: '-c extra_float_digits=3 -c jit=off -c search_path=tracking',
      application_name: 'ci',
    });
  });

  it('has defaults that bound every wait', () => {
    const { poolConfig, settings } = parsePostgresUri('postgresql://h/db');
    expect(settings).toMatchObject({ poolSize: 10, statementTimeoutMs: 60_000, migrate: true, schema: undefined });
    expect(poolConfig.connectionTimeoutMillis).toBe(10_000);
    expect(poolConfig.query_timeout).toBe(65_000);
  });

  it('maps sslmode to TLS options as libpq does', () => {
    expect(parsePostgresUri('postgresql://h/db?sslmode=disable').poolConfig.ssl).toBe(false);
    expect(parsePostgresUri('postgresql://h/db?sslmode=prefer').poolConfig.ssl).toBe(false);
    expect(parsePostgresUri('postgresql://h/db?sslmode=require').poolConfig.ssl).toEqual({ rejectUnauthorized: false });
    expect(parsePostgresUri('postgresql://h/db?sslmode=verify-full').poolConfig.ssl).toEqual({ rejectUnauthorized: true });
    const dir = mkdtempSync(path.join(tmpdir(), 'orrery-pg-ssl-'));
    const ca = path.join(dir, 'ca.pem');
    writeFileSync(ca, '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n');
    const verifyCa = parsePostgresUri(`postgresql://h/db?sslmode=verify-ca&sslrootcert=${encodeURIComponent(ca)}`).poolConfig.ssl;
    expect(verifyCa).toMatchObject({ rejectUnauthorized: true, ca: expect.stringContaining('BEGIN CERTIFICATE') });
    // `require` with a root certificate verifies the chain (libpq's rule).
    expect(parsePostgresUri(`postgresql://h/db?sslmode=require&sslrootcert=${encodeURIComponent(ca)}`).poolConfig.ssl).toMatchObject({ rejectUnauthorized: true });
    expect(invalid('postgresql://h/db?sslmode=sometimes')).toMatch(/sslmode 'sometimes'/);
    expect(invalid('postgresql://h/db?sslmode=verify-ca&sslrootcert=/nonexistent/ca.pem')).toMatch(/sslrootcert.*\/nonexistent\/ca.pem/);
  });

  it('refuses bad settings, naming the parameter and never the password', () => {
    expect(invalid('postgresql://u:hunter2@h/db?pool_size=0')).toMatch(/'0' for 'pool_size'.*from 1 to 1000/);
    expect(invalid('postgresql://u:hunter2@h/db?pool_size=0')).not.toContain('hunter2');
    expect(invalid('postgresql://h/db?statement_timeout=soon')).toMatch(/statement_timeout/);
    expect(invalid('postgresql://h/db?migrate=maybe')).toMatch(/'maybe' for 'migrate'.*true or false/);
    expect(invalid('postgresql://h/db?schema=Bad-Name')).toMatch(/Invalid schema 'Bad-Name'/);
    expect(invalid('postgresql://h/db?poolsize=3')).toMatch(/Unknown parameter 'poolsize'.*pool_size/);
    expect(invalid('mysql://h/db')).toMatch(/must start with postgresql:\/\//);
  });
});
