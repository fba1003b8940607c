import { describe, expect, it } from 'vitest';
import { isOrreryError } from '@orrery/core';
import { parseRedisUri } from '@orrery/plugin-redis';

function rejects(uri: string, pattern: RegExp): void {
  let error: unknown;
  try {
    parseRedisUri(uri, {});
  } catch (caught) {
    error = caught;
  }
  expect(isOrreryError(error) && error.code === 'INVALID_PARAMETER_VALUE', `expected ${uri} to be refused`).toBe(true);
  expect((error as Error).message).toMatch(pattern);
}

describe('Redis store URIs', () => {
  it('reads host, port, db number, ACL user, password and prefix', () => {
    const target = parseRedisUri('redis://alice:s%40cret@cache.internal:6380/3?prefix=team-a', {});
    expect(target).toMatchObject({
      mode: 'standalone',
      nodes: [{ host: 'cache.internal', port: 6380 }],
      db: 3,
      username: 'alice',
      password: 's@cret',
      prefix: 'team-a',
    });
    expect(target.redacted).not.toContain('s%40cret');
    expect(parseRedisUri('redis://127.0.0.1', {})).toMatchObject({ nodes: [{ host: '127.0.0.1', port: 6379 }], db: 0, prefix: 'orrery' });
    expect(parseRedisUri('redis://:only-password@h', {})).toMatchObject({ password: 'only-password' });
  });

  it('turns on TLS for rediss:// and takes TLS options only there', () => {
    const target = parseRedisUri('rediss://h:6390?tls_reject_unauthorized=false&tls_servername=redis.example', {});
    expect(target.tls).toEqual({ rejectUnauthorized: false, servername: 'redis.example' });
    expect(parseRedisUri('rediss://h', {}).tls).toEqual({ rejectUnauthorized: true });
    rejects('redis://h?tls_reject_unauthorized=false', /rediss/);
    rejects('rediss://h?tls_ca=/no/such/file.pem', /cannot read the file/);
  });

  it('reads Sentinel and Cluster settings, the Sentinel password from the environment only', () => {
    const sentinel = parseRedisUri('redis://s1:26380/2?sentinel=mymaster&sentinel_hosts=s2,s3:26381', {
      ORRERY_REDIS_SENTINEL_PASSWORD: 'pw',
    });
    expect(sentinel).toMatchObject({
      mode: 'sentinel',
      sentinelMaster: 'mymaster',
      sentinelPassword: 'pw',
      db: 2,
      nodes: [
        { host: 's1', port: 26380 },
        { host: 's2', port: 26379 },
        { host: 's3', port: 26381 },
      ],
    });
    const cluster = parseRedisUri('redis://n1:7000?cluster=true&cluster_nodes=n2:7001,n3:7002', {});
    expect(cluster.mode).toBe('cluster');
    expect(cluster.nodes).toHaveLength(3);
  });

  it('refuses what it cannot honour, naming the problem', () => {
    rejects('http://h', /scheme/);
    rejects('redis://h/abc', /database number/);
    rejects('redis://h?prefix=a{b}', /prefix/);
    rejects('redis://h?prefix=', /prefix/);
    rejects('redis://h?pool=3', /unknown option 'pool'/);
    rejects('redis://h?prefix=a&prefix=b', /2 times/);
    rejects('redis://h/1?cluster=true', /only database 0/);
    rejects('redis://h?cluster=true&sentinel=m', /cannot be combined/);
    rejects('redis://h?sentinel_hosts=a:1', /needs 'sentinel/);
    rejects('redis://h?connect_timeout_ms=0', /positive integer/);
  });
});
