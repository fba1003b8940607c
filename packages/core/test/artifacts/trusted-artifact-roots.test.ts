import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TrustedArtifactRoots } from '@orrery/core';

function roots(...uris: string[]): TrustedArtifactRoots {
  return TrustedArtifactRoots.fromConfiguration(uris.map((uri) => ({ uri, option: '--allowed-artifact-root' })));
}

describe('TrustedArtifactRoots: remote roots', () => {
  const trusted = roots(
    'sftp://deploy@Files.Example.com/srv/mlruns?known_hosts=/etc/orrery/known_hosts&key_path=/etc/orrery/id_ed25519',
    'ftp://ftpuser:pw@ftp.example.com:2121/data',
    'wasbs://models@acct.blob.core.windows.net/runs',
  );

  it('opens the root itself with its authority and query, plus the client relative path as written', async () => {
    expect(await trusted.resolve('sftp://deploy@files.example.COM:22/srv/mlruns/1/abc/artifacts')).toBe(
      'sftp://deploy@Files.Example.com/srv/mlruns/1/abc/artifacts?known_hosts=/etc/orrery/known_hosts&key_path=/etc/orrery/id_ed25519',
    );
    expect(await trusted.resolve('SFTP://deploy@files.example.com/srv/mlruns')).toBe(
      'sftp://deploy@Files.Example.com/srv/mlruns?known_hosts=/etc/orrery/known_hosts&key_path=/etc/orrery/id_ed25519',
    );
    // The configured password is used; a client's password is dropped with the client's authority.
    expect(await trusted.resolve('ftp://ftpuser:guess@ftp.example.com:2121/data/a%20b')).toBe('ftp://ftpuser:pw@ftp.example.com:2121/data/a%20b');
    expect(await trusted.resolve('wasbs://models@acct.blob.core.windows.net/runs/7')).toBe('wasbs://models@acct.blob.core.windows.net/runs/7');
  });

  it.each([
    ['another scheme', 'ftp://deploy@files.example.com/srv/mlruns/x'],
    ['another host', 'sftp://deploy@evil.example.com/srv/mlruns/x'],
    ['a host that only starts the same', 'sftp://deploy@files.example.com.evil.net/srv/mlruns/x'],
    ['another port', 'sftp://deploy@files.example.com:2222/srv/mlruns/x'],
    ['another user', 'sftp://root@files.example.com/srv/mlruns/x'],
    ['no user', 'sftp://files.example.com/srv/mlruns/x'],
    ['a sibling path', 'sftp://deploy@files.example.com/srv/mlruns-other/x'],
    ['a parent path', 'sftp://deploy@files.example.com/srv'],
    ['a dot-dot segment', 'sftp://deploy@files.example.com/srv/mlruns/../../etc'],
    ['a dot segment', 'sftp://deploy@files.example.com/srv/mlruns/./x'],
    ['an encoded dot-dot', 'sftp://deploy@files.example.com/srv/mlruns/%2e%2E/x'],
    ['a twice-encoded dot-dot', 'sftp://deploy@files.example.com/srv/mlruns/%252e%252e/x'],
    ['an encoded slash and dot-dot', 'sftp://deploy@files.example.com/srv/mlruns/a%2f..%2fb'],
    ['a backslash', 'sftp://deploy@files.example.com/srv/mlruns/a\\..\\b'],
    ['a NUL byte', 'sftp://deploy@files.example.com/srv/mlruns/a\u0000'],
    ['an encoded NUL byte', 'sftp://deploy@files.example.com/srv/mlruns/a%00'],
    ['a query string', 'sftp://deploy@files.example.com/srv/mlruns/x?trust_on_first_use=1'],
    ['an empty query string', 'sftp://deploy@files.example.com/srv/mlruns/x?'],
    ['a fragment', 'sftp://deploy@files.example.com/srv/mlruns/x#y'],
    ['a mangled authority', 'sftp://deploy@files.example.com:22:22/srv/mlruns/x'],
  ])('does not trust %s', async (_what, uri) => {
    expect(await trusted.resolve(uri)).toBeUndefined();
  });

  it('skips the proxy scheme and refuses a configured root that is no location, naming the option', () => {
    expect(roots('mlflow-artifacts:/').size).toBe(0);
    expect(() => roots('mailto:someone@example.com')).toThrow(/Invalid --allowed-artifact-root/);
  });
});

describe('TrustedArtifactRoots: local roots', () => {
  let dir: string;
  let root: string;

  beforeAll(async () => {
    dir = await fs.realpath(await fs.mkdtemp(path.join(os.tmpdir(), 'orrery-trusted-')));
    root = path.join(dir, 'root');
    await fs.mkdir(path.join(root, 'inside'), { recursive: true });
    await fs.mkdir(path.join(dir, 'outside'));
    await fs.symlink(path.join(dir, 'outside'), path.join(root, 'escape'));
    await fs.symlink(path.join(root, 'inside'), path.join(root, 'alias'));
  });

  afterAll(async () => {
    await fs.rm(dir, { recursive: true, force: true });
  });

  it('trusts paths below the root, existing or not, and links that stay inside it', async () => {
    const trusted = roots(`file://${root}`);
    expect(await trusted.resolve(path.join(root, 'inside', '1', 'artifacts'))).toBe(path.join(root, 'inside', '1', 'artifacts'));
    expect(await trusted.resolve(`file://${root}/not-yet/x`)).toBe(path.join(root, 'not-yet', 'x'));
    expect(await trusted.resolve(path.join(root, 'alias', 'x'))).toBe(path.join(root, 'alias', 'x'));
  });

  it('does not trust a path that leaves the root through a link, by dot segments, or is relative', async () => {
    const trusted = roots(root);
    for (const uri of [
      path.join(root, 'escape'),
      path.join(root, 'escape', 'x'),
      `${root}/../outside`,
      `${root}/%2e%2e/outside`,
      `file://${root}/%2e%2e/outside`,
      path.join(dir, 'outside'),
      `${root}-sibling`,
      'root/inside',
      `file://other-host${root}/inside`,
    ]) {
      expect(await trusted.resolve(uri), uri).toBeUndefined();
    }
  });
});
