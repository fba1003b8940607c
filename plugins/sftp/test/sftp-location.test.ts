import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { isOrreryError } from '@orrery/core';
import { SftpArtifactRepository, hostFieldMatches, knownHostsName, parseKnownHosts, parseSftpLocation, remotePathOf, verifyHostKey } from '@orrery/plugin-sftp';
import sftpPlugin from '../src/sftp-plugin.js';

describe('sftp:// URIs and settings', () => {
  it('reads user, host, port and an absolute root path, with percent-decoding of the URI itself', () => {
    const location = parseSftpLocation('sftp://alice@files.example:2222/data/ml%20runs', {});
    expect(location).toMatchObject({ username: 'alice', host: 'files.example', port: 2222, rootPath: '/data/ml runs', trustOnFirstUse: false });
    expect(location.knownHostsPath).toBe(path.join(os.homedir(), '.ssh', 'known_hosts'));
    expect(remotePathOf(location, 'a/b.txt')).toBe('/data/ml runs/a/b.txt');
    expect(parseSftpLocation('sftp://h', {}).rootPath).toBe('.');
    expect(parseSftpLocation('sftp://h', {}).port).toBe(22);
    expect(remotePathOf(parseSftpLocation('sftp://h', {}), 'x')).toBe('x');
  });

  it('takes settings from URI parameters over the environment', () => {
    const env = {
      ORRERY_SFTP_KEY_PATH: '/env/key',
      ORRERY_SFTP_KNOWN_HOSTS: '/env/known_hosts',
      ORRERY_SFTP_TRUST_ON_FIRST_USE: '1',
      ORRERY_SFTP_PASSWORD: 'from-env',
      SSH_AUTH_SOCK: '/agent.sock',
    };
    expect(parseSftpLocation('sftp://u@h/p', env)).toMatchObject({
      keyPath: '/env/key',
      knownHostsPath: '/env/known_hosts',
      trustOnFirstUse: true,
      password: 'from-env',
      agentSocket: '/agent.sock',
    });
    expect(
      parseSftpLocation('sftp://u:from-uri@h/p?key_path=%2Furi%2Fkey&known_hosts=/uri/kh&trust_on_first_use=0', env),
    ).toMatchObject({ keyPath: '/uri/key', knownHostsPath: '/uri/kh', trustOnFirstUse: false, password: 'from-uri' });
    expect(parseSftpLocation('sftp://u@h/p', { SSH_AUTH_SOCK: '/a', ORRERY_SFTP_USE_AGENT: '0' }).agentSocket).toBeUndefined();
  });

  it('refuses other schemes, a missing host and unknown parameters, without repeating the password', () => {
    for (const bad of ['ftp://u:pw123@h/p', 'sftp:///p', 'sftp://u:pw123@h/p?keypath=/k']) {
      let error: unknown;
      try {
        parseSftpLocation(bad, {});
      } catch (caught) {
        error = caught;
      }
      expect(isOrreryError(error) && error.code).toBe('INVALID_PARAMETER_VALUE');
      expect((error as Error).message).not.toContain('pw123');
    }
  });

  it('refuses a parameter given twice, so no suffix or second copy can override the first', () => {
    for (const bad of [
      'sftp://u@h/p?known_hosts=/a&known_hosts=/b',
      'sftp://u@h/p?trust_on_first_use=0&trust_on_first_use=1',
      'sftp://u@h/p?key_path=/k&known_hosts=/a&key_path=/j',
    ]) {
      let error: unknown;
      try {
        parseSftpLocation(bad, {});
      } catch (caught) {
        error = caught;
      }
      expect(isOrreryError(error) && error.code).toBe('INVALID_PARAMETER_VALUE');
      expect((error as Error).message).toMatch(/is given more than once/);
    }
  });

  it('masks the password in the URI it shows', () => {
    const repo = new SftpArtifactRepository('sftp://bob:hunter2@h:22/p', { env: {} });
    expect(repo.rootUri).toBe('sftp://bob:hunter2@h:22/p');
    expect(repo.displayUri).toBe('sftp://bob:***@h:22/p');
  });

  it('is declared for the sftp scheme', async () => {
    expect(sftpPlugin.kind).toBe('artifactRepository');
    expect(sftpPlugin.schemes).toEqual(['sftp']);
    const manifest = (await import('../package.json', { with: { type: 'json' } })).default as { orrery: unknown };
    expect(manifest.orrery).toEqual({ artifactRepository: { sftp: './dist/sftp-plugin.js' } });
  });
});

describe('known_hosts matching', () => {
  const key = Buffer.concat([Buffer.from([0, 0, 0, 11]), Buffer.from('ssh-ed25519'), Buffer.from([0, 0, 0, 32]), Buffer.alloc(32, 1)]);
  const other = Buffer.concat([Buffer.from([0, 0, 0, 11]), Buffer.from('ssh-ed25519'), Buffer.from([0, 0, 0, 32]), Buffer.alloc(32, 2)]);
  const line = (hosts: string, blob: Buffer) => `${hosts} ssh-ed25519 ${blob.toString('base64')}`;

  it('names hosts as OpenSSH does', () => {
    expect(knownHostsName('h', 22)).toBe('h');
    expect(knownHostsName('h', 2222)).toBe('[h]:2222');
  });

  it('matches patterns, negations and ports', () => {
    expect(hostFieldMatches('a.example,b.example', 'b.example')).toBe(true);
    expect(hostFieldMatches('*.example,!bad.example', 'bad.example')).toBe(false);
    expect(hostFieldMatches('*.example', 'x.example')).toBe(true);
    expect(hostFieldMatches('[h]:2222', 'h')).toBe(false);
    expect(hostFieldMatches('h', '[h]:2222')).toBe(false);
  });

  it('tells trusted, unknown, changed and revoked keys apart', () => {
    const entries = parseKnownHosts(
      [
        '# comment',
        line('[h]:2222', key),
        line('old.example', other),
        `@revoked * ssh-ed25519 ${Buffer.alloc(8).toString('base64')}`,
        'garbage line',
      ].join('\n'),
    );
    expect(verifyHostKey(entries, 'h', 2222, key)).toEqual({ status: 'trusted' });
    expect(verifyHostKey(entries, 'h', 22, key)).toEqual({ status: 'unknown' });
    expect(verifyHostKey(entries, 'old.example', 22, key)).toEqual({ status: 'changed', knownLines: [3], sameType: true });
    const revoked = parseKnownHosts(`@revoked * ssh-ed25519 ${key.toString('base64')}\n${line('h', key)}`);
    expect(verifyHostKey(revoked, 'h', 22, key)).toEqual({ status: 'revoked', line: 1 });
  });
});
