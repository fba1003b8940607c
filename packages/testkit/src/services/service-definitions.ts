import { startHarnessPostgres } from './postgres-service.js';
import type { TestServiceDefinition } from './test-services.js';
import { startRedisBinary } from './redis-service.js';
import { startPostgresContainer, startRedisContainer } from './service-containers.js';
export { AZURITE_SERVICE } from './azurite-service.js';
export { SSHD_PASSWORD_SERVICE, SSHD_SERVICE } from './sshd-service.js';
export { FTP_SERVICE } from './ftp-service.js';

/**
 * The services tests can ask for. The azurite, ftp and sftp definitions live beside their
 * harness starters and are registered by the suites that use them.
 */
export const POSTGRES_SERVICE: TestServiceDefinition = {
  name: 'postgres',
  displayName: 'PostgreSQL',
  envVar: 'ORRERY_TEST_POSTGRES_URL',
  localPort: 5432,
  localUrl: (host, port) => `postgres://postgres@${host}:${port}/postgres`,
  urlExample: 'postgres://postgres:secret@127.0.0.1:5432/postgres',
  installHint:
    'install PostgreSQL (Debian/Ubuntu: `apt-get install postgresql`) and run it on 127.0.0.1:5432 with trust auth for user `postgres`',
  startContainer: (engine) => startPostgresContainer(engine),
  startBinary: startHarnessPostgres,
};

export const REDIS_SERVICE: TestServiceDefinition = {
  name: 'redis',
  displayName: 'Redis',
  envVar: 'ORRERY_TEST_REDIS_URL',
  localPort: 6379,
  localUrl: (host, port) => `redis://${host}:${port}`,
  urlExample: 'redis://127.0.0.1:6379',
  installHint: 'install Redis (Debian/Ubuntu: `apt-get install redis-server`) and run it on 127.0.0.1:6379',
  startContainer: (engine) => startRedisContainer(engine),
  startBinary: startRedisBinary,
};
