import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { RunContextProvider } from '@orrery/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recordingLogger } from '@orrery/testkit';
import { createGitRunContextProvider, entryScriptDir, withoutCredentials } from '../src/context/git-provider.js';
import { createHostRunContextProvider } from '../src/context/host-provider.js';
import { resolveRunContextTags } from '../src/context/run-context-tags.js';
import { createSourceRunContextProvider, entryScript } from '../src/context/source-provider.js';
import { createUserRunContextProvider, currentUser } from '../src/context/user-provider.js';
import gitDefinition from '../src/context/git-provider.js';
import userDefinition from '../src/context/user-provider.js';

function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', args, {
    cwd,
    encoding: 'utf8',
    env: {
      ...process.env,
      GIT_AUTHOR_NAME: 'Test',
      GIT_AUTHOR_EMAIL: 'test@example.com',
      GIT_COMMITTER_NAME: 'Test',
      GIT_COMMITTER_EMAIL: 'test@example.com',
    },
  }).trim();
}

let tmp: string;
beforeAll(() => {
  tmp = realpathSync(mkdtempSync(path.join(os.tmpdir(), 'orrery-context-')));
});
afterAll(() => {
  rmSync(tmp, { recursive: true, force: true });
});

describe('git run-context provider', () => {
  it('reports commit, branch and the origin URL without credentials inside a repository', async () => {
    const repo = path.join(tmp, 'repo');
    mkdirSync(path.join(repo, 'src'), { recursive: true });
    git(repo, 'init', '-q', '-b', 'feature/x');
    writeFileSync(path.join(repo, 'src', 'train.js'), 'console.log(1)\n');
    git(repo, 'add', '.');
    git(repo, 'commit', '-q', '-m', 'first');
    git(repo, 'remote', 'add', 'origin', 'https://alice:s3cret@example.com/team/models.git');
    const commit = git(repo, 'rev-parse', 'HEAD');

    const provider = createGitRunContextProvider(path.join(repo, 'src'));
    expect(await provider.inContext()).toBe(true);
    expect(await provider.tags()).toEqual({
      'mlflow.source.git.commit': commit,
      'mlflow.source.git.branch': 'feature/x',
      'mlflow.source.git.repoURL': 'https://example.com/team/models.git',
    });
  });

  it('leaves out the branch on a detached HEAD and the URL without a remote', async () => {
    const repo = path.join(tmp, 'detached');
    mkdirSync(repo);
    git(repo, 'init', '-q');
    writeFileSync(path.join(repo, 'a.txt'), 'a');
    git(repo, 'add', '.');
    git(repo, 'commit', '-q', '-m', 'one');
    const commit = git(repo, 'rev-parse', 'HEAD');
    git(repo, 'checkout', '-q', '--detach');
    const provider = createGitRunContextProvider(repo);
    expect(await provider.tags()).toEqual({ 'mlflow.source.git.commit': commit });
  });

  it('is silently not in context outside a repository or before the first commit', async () => {
    const plain = path.join(tmp, 'plain');
    mkdirSync(plain);
    // GIT_CEILING_DIRECTORIES is not needed: the temp dir is not inside a repository.
    expect(await createGitRunContextProvider(plain).inContext()).toBe(false);
    const empty = path.join(tmp, 'empty-repo');
    mkdirSync(empty);
    git(empty, 'init', '-q');
    expect(await createGitRunContextProvider(empty).inContext()).toBe(false);
  });

  it('uses the directory of the entry script, following symlinks', () => {
    const real = path.join(tmp, 'real-dir');
    mkdirSync(real);
    writeFileSync(path.join(real, 'main.js'), '');
    symlinkSync(path.join(real, 'main.js'), path.join(tmp, 'link.js'));
    expect(entryScriptDir(['node', path.join(tmp, 'link.js')], '/')).toBe(real);
    expect(entryScriptDir(['node'], '/some/cwd')).toBe('/some/cwd');
  });

  it('strips user info from remote URLs and keeps scp-style ones', () => {
    expect(withoutCredentials('https://u:p@host/r.git')).toBe('https://host/r.git');
    expect(withoutCredentials('ssh://git@host/r.git')).toBe('ssh://host/r.git');
    expect(withoutCredentials('git@github.com:org/r.git')).toBe('git@github.com:org/r.git');
  });

  it('is declared as a plugin definition', () => {
    expect(gitDefinition).toMatchObject({ kind: 'runContextProvider', name: 'git', apiVersion: 1 });
    expect(userDefinition).toMatchObject({ kind: 'runContextProvider', name: 'user' });
  });
});

describe('user, source and host providers', () => {
  it('prefers the tracking username, then the login name', () => {
    expect(currentUser({ MLFLOW_TRACKING_USERNAME: 'tracker', USER: 'login' })).toBe('tracker');
    expect(currentUser({ ORRERY_TRACKING_USERNAME: 'orr', MLFLOW_TRACKING_USERNAME: 'tracker' })).toBe('orr');
    expect(currentUser({ LOGNAME: 'logname', USER: 'user' })).toBe('logname');
    expect(currentUser({ USER: 'user' })).toBe('user');
    expect(currentUser({})).toBe(os.userInfo().username);
  });

  it('tags mlflow.user', async () => {
    expect(await createUserRunContextProvider({ USER: 'ada' }).tags()).toEqual({ 'mlflow.user': 'ada' });
  });

  it('names the entry script, or <console>, with source type LOCAL', async () => {
    expect(entryScript(['node', 'train.js'], '/work')).toBe('/work/train.js');
    expect(entryScript(['node'], '/work')).toBe('<console>');
    expect(await createSourceRunContextProvider(['node', '/w/a.js']).tags()).toEqual({
      'mlflow.source.name': '/w/a.js',
      'mlflow.source.type': 'LOCAL',
    });
  });

  it('tags orrery.host with the host name', async () => {
    const provider = createHostRunContextProvider(() => 'box-1');
    expect(await provider.inContext()).toBe(true);
    expect(await provider.tags()).toEqual({ 'orrery.host': 'box-1' });
    expect(await createHostRunContextProvider().tags()).toEqual({ 'orrery.host': os.hostname() });
  });
});

describe('resolveRunContextTags', () => {
  const fixed = (name: string, tags: Record<string, string>, inContext = true): RunContextProvider => ({
    name,
    inContext: () => inContext,
    tags: () => tags,
  });

  it('merges providers in order, then user tags, which always win', async () => {
    const logger = recordingLogger();
    const tags = await resolveRunContextTags(
      [
        { provider: fixed('first', { a: '1', shared: 'first', 'mlflow.user': 'os-user' }), packageName: 'p1' },
        { provider: fixed('second', { b: '2', shared: 'second' }), packageName: 'p2' },
        { provider: fixed('absent', { c: '3' }, false), packageName: 'p3' },
      ],
      { 'mlflow.user': 'explicit', own: 'x' },
      logger,
    );
    expect(tags).toEqual({ a: '1', b: '2', shared: 'second', 'mlflow.user': 'explicit', own: 'x' });
    expect(logger.records).toEqual([]);
  });

  it('skips a provider that throws, logging its name and package, and keeps the others', async () => {
    const logger = recordingLogger();
    const throwingTags: RunContextProvider = {
      name: 'broken',
      inContext: () => true,
      tags: () => {
        throw new Error('cannot read CI env');
      },
    };
    const throwingInContext: RunContextProvider = {
      name: 'broken-async',
      inContext: async () => {
        throw new Error('probe failed');
      },
      tags: () => ({ never: 'set' }),
    };
    const tags = await resolveRunContextTags(
      [
        { provider: throwingTags, packageName: 'orrery-plugin-ci' },
        { provider: throwingInContext, packageName: 'orrery-plugin-probe' },
        { provider: fixed('ok', { fine: 'yes' }), packageName: 'p' },
      ],
      {},
      logger,
    );
    expect(tags).toEqual({ fine: 'yes' });
    const warnings = logger.records.filter((r) => r.level === 'warn');
    expect(warnings).toHaveLength(2);
    expect(warnings[0]!.msg).toMatch(/'broken' from package orrery-plugin-ci .*cannot read CI env/);
    expect(warnings[0]!.obj).toMatchObject({ packageName: 'orrery-plugin-ci', provider: 'broken' });
    expect(warnings[1]!.msg).toMatch(/'broken-async' from package orrery-plugin-probe .*probe failed/);
  });
});
