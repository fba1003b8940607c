import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_AUTH_CONFIG,
  MLFLOW_BASIC_AUTH_FUNCTION,
  apiTokenSecretMatches,
  authConfigFromIni,
  generateApiToken,
  hashApiTokenSecret,
  hashPassword,
  parseApiToken,
  parseIni,
  parsePermission,
  permissionAllows,
  readAuthConfig,
  validatePassword,
  validateUsername,
  verifyPassword,
} from '@orrery/core';

describe('password hashing', () => {
  it('stores algorithm, cost, salt and hash, and verifies only the right password', async () => {
    const encoded = await hashPassword('s3cret');
    expect(encoded).toMatch(/^scrypt\$N=16384,r=8,p=1\$[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]+$/);
    expect(encoded).not.toContain('s3cret');
    expect(await verifyPassword('s3cret', encoded)).toBe(true);
    expect(await verifyPassword('s3cret ', encoded)).toBe(false);
    expect(await verifyPassword('', encoded)).toBe(false);
  });

  it('salts every hash and honours the cost written in the hash', async () => {
    const cheap = await hashPassword('pw', { N: 1024, r: 8, p: 1 });
    expect(cheap).toContain('N=1024');
    expect(await verifyPassword('pw', cheap)).toBe(true);
    expect(await hashPassword('pw')).not.toBe(await hashPassword('pw'));
  });

  it('refuses a stored string that is not a scrypt hash, or one with an absurd cost', async () => {
    await expect(verifyPassword('pw', 'pbkdf2:sha256:600000$x$y')).rejects.toMatchObject({ code: 'INTERNAL_ERROR' });
    await expect(verifyPassword('pw', 'scrypt$N=1073741824,r=8,p=1$AAAA$AAAA')).rejects.toMatchObject({ code: 'INTERNAL_ERROR' });
  });
});

describe('permission rules', () => {
  it("follow MLflow's four permissions", () => {
    const table = Object.fromEntries(
      (['READ', 'EDIT', 'MANAGE', 'NO_PERMISSIONS'] as const).map((p) => [p, (['read', 'update', 'delete', 'manage'] as const).filter((a) => permissionAllows(p, a))]),
    );
    expect(table).toEqual({ READ: ['read'], EDIT: ['read', 'update'], MANAGE: ['read', 'update', 'delete', 'manage'], NO_PERMISSIONS: [] });
  });

  it("refuses an unknown permission with MLflow's message", () => {
    expect(() => parsePermission('WRITE')).toThrow("Invalid permission 'WRITE'. Valid permissions are: ('READ', 'EDIT', 'MANAGE', 'NO_PERMISSIONS')");
    expect(() => parsePermission('read')).toThrow(/Invalid permission 'read'/);
    expect(parsePermission('EDIT')).toBe('EDIT');
  });

  it('checks usernames and passwords', () => {
    expect(() => validateUsername('')).toThrow('Username cannot be empty.');
    expect(() => validateUsername('a:b')).toThrow(/must not contain ':'/);
    expect(() => validateUsername('a\nb')).toThrow(/control characters/);
    expect(() => validateUsername('x'.repeat(256))).toThrow(/at most 255/);
    expect(() => validateUsername('alice@example.com')).not.toThrow();
    expect(() => validatePassword('')).toThrow('Password cannot be empty.');
    expect(() => validatePassword('p'.repeat(1025))).toThrow(/at most 1024/);
  });
});

describe('API tokens', () => {
  it('are orr_<id>_<secret>, parse back, and match only their own secret', () => {
    const { id, secret, token } = generateApiToken();
    expect(token).toMatch(/^orr_[0-9a-f]{16}_[A-Za-z0-9_-]{43}$/);
    expect(parseApiToken(token)).toEqual({ id, secret });
    expect(parseApiToken(`${token}x`)).toBeUndefined();
    expect(parseApiToken('orr_zz_abc')).toBeUndefined();
    const hash = hashApiTokenSecret(secret);
    expect(hash).toMatch(/^[0-9a-f]{64}$/);
    expect(apiTokenSecretMatches(secret, hash)).toBe(true);
    expect(apiTokenSecretMatches(generateApiToken().secret, hash)).toBe(false);
    expect(apiTokenSecretMatches(secret, 'abc')).toBe(false);
  });
});

describe("MLflow's basic_auth.ini", () => {
  it('built-in values equal MLflow 2.12.2 basic_auth.ini', () => {
    const mlflowIni = [
      '[mlflow]',
      'default_permission = READ',
      'database_uri = sqlite:///basic_auth.db',
      'admin_username = admin',
      'admin_password = password',
      'authorization_function = mlflow.server.auth:authenticate_request_basic_auth',
    ].join('\n');
    expect(authConfigFromIni(mlflowIni)).toEqual(DEFAULT_AUTH_CONFIG);
    expect(readAuthConfig({})).toEqual(DEFAULT_AUTH_CONFIG);
  });

  it("reads configparser's forms: ':' separators, comments, case-insensitive keys, continuation, %% and %(key)s", () => {
    const sections = parseIni('# c\n[DEFAULT]\nroot = /var\n[mlflow]\nDatabase_URI: sqlite:///%(root)s/auth.db\n; c\nadmin_password = 100%%\nnote = a\n  b\n');
    expect(Object.fromEntries(sections.get('mlflow')!)).toEqual({ root: '/var', database_uri: 'sqlite:////var/auth.db', admin_password: '100%', note: 'a\nb' });
  });

  it('reads Orrery keys and refuses bad values naming the key', () => {
    const config = authConfigFromIni('[mlflow]\ndefault_permission = NO_PERMISSIONS\nlogin_max_failures_per_user = 3\nlogin_failure_window_seconds = 60\ntoken_default_lifetime_days = 7\n');
    expect(config).toMatchObject({ defaultPermission: 'NO_PERMISSIONS', loginMaxFailuresPerUser: 3, loginFailureWindowSeconds: 60, tokenDefaultLifetimeDays: 7, adminUsername: 'admin' });
    expect(() => authConfigFromIni('[mlflow]\ndefault_permission = WRITE\n', 'x.ini')).toThrow(/Invalid default_permission in x.ini: Invalid permission 'WRITE'/);
    expect(() => authConfigFromIni('[mlflow]\nlogin_max_failures_per_user = many\n', 'x.ini')).toThrow(/login_max_failures_per_user = many in x.ini/);
    expect(() => authConfigFromIni('[other]\na = b\n', 'x.ini')).toThrow(/x.ini has no \[mlflow\] section/);
    expect(() => authConfigFromIni('[mlflow]\nadmin_password = 5%\n', 'x.ini')).toThrow(/must be written '%%'/);
    expect(() => authConfigFromIni('key = value\n', 'x.ini')).toThrow(/x.ini, line 1: "key" comes before any \[section\]/);
  });

  it("accepts MLflow's authorization_function and refuses any other with the reason", () => {
    expect(authConfigFromIni(`[mlflow]\nauthorization_function = ${MLFLOW_BASIC_AUTH_FUNCTION}\n`).authorizationFunction).toBe(MLFLOW_BASIC_AUTH_FUNCTION);
    expect(() => authConfigFromIni('[mlflow]\nauthorization_function = my_auth:check\n', 'x.ini')).toThrow(
      /Unsupported authorization_function = my_auth:check in x.ini: Orrery cannot run Python functions/,
    );
  });

  it('refuses a MLFLOW_AUTH_CONFIG_PATH naming no file', () => {
    expect(() => readAuthConfig({ MLFLOW_AUTH_CONFIG_PATH: '/nonexistent/auth.ini' })).toThrow('MLFLOW_AUTH_CONFIG_PATH=/nonexistent/auth.ini cannot be read: ENOENT.');
  });

  it('reads the example of docs/security.md as documented', () => {
    const doc = readFileSync(new URL('../../../../docs/security.md', import.meta.url), 'utf8');
    const ini = /```ini\n([\s\S]*?)```/.exec(doc)![1]!;
    expect(authConfigFromIni(ini)).toEqual({
      ...DEFAULT_AUTH_CONFIG,
      adminPassword: 'change-me-now',
      loginMaxFailuresPerUser: 10,
      loginMaxFailuresPerAddress: 50,
      loginFailureWindowSeconds: 300,
      tokenDefaultLifetimeDays: 90,
      tokenMaxLifetimeDays: 365,
    });
  });
});
