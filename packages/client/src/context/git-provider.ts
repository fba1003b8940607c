import { execFile } from 'node:child_process';
import { realpathSync } from 'node:fs';
import path from 'node:path';
import { defineRunContextProvider, type RunContextProvider } from '@orrery/core';

export const GIT_COMMIT_TAG = 'mlflow.source.git.commit';
export const GIT_BRANCH_TAG = 'mlflow.source.git.branch';
export const GIT_REPO_URL_TAG = 'mlflow.source.git.repoURL';

/** What git says about a working tree; absent fields were not available. */
export interface GitInfo {
  commit: string;
  branch?: string;
  repoUrl?: string;
}

/** Runs one git command; resolves to its trimmed output, or undefined on any failure. */
function git(args: string[], cwd: string): Promise<string | undefined> {
  return new Promise((resolve) => {
    execFile(
      'git',
      args,
      { cwd, timeout: 5_000, windowsHide: true, env: { ...process.env, GIT_TERMINAL_PROMPT: '0' } },
      (error, stdout) => {
        const out = typeof stdout === 'string' ? stdout.trim() : '';
        resolve(error || out === '' ? undefined : out);
      },
    );
  });
}

/** Drops `user:password@` from http(s) remote URLs, so no credential lands in a tag. */
export function withoutCredentials(url: string): string {
  return url.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^/@]*@/i, '$1');
}

/**
 * Reads commit, branch and `origin` URL of the git working tree containing `dir`. Resolves to
 * undefined when `dir` is not in a repository, the repository has no commit yet, or git is not
 * installed.
 */
export async function readGitInfo(dir: string): Promise<GitInfo | undefined> {
  const commit = await git(['rev-parse', 'HEAD'], dir);
  if (commit === undefined) return undefined;
  const [branch, repoUrl] = await Promise.all([
    git(['rev-parse', '--abbrev-ref', 'HEAD'], dir),
    git(['config', '--get', 'remote.origin.url'], dir),
  ]);
  return {
    commit,
    // A detached HEAD reports `HEAD`, which is not a branch.
    ...(branch !== undefined && branch !== 'HEAD' ? { branch } : {}),
    ...(repoUrl !== undefined ? { repoUrl: withoutCredentials(repoUrl) } : {}),
  };
}

/** The directory of the entry script (symlinks resolved), else the working directory. */
export function entryScriptDir(argv: readonly string[] = process.argv, cwd: string = process.cwd()): string {
  const script = argv[1];
  if (script === undefined || script === '' || script.startsWith('-')) return cwd;
  const absolute = path.resolve(cwd, script);
  try {
    return path.dirname(realpathSync(absolute));
  } catch {
    return path.dirname(absolute);
  }
}

/**
 * Sets `mlflow.source.git.commit`, `.branch` and `.repoURL` for the git repository holding the
 * entry script (or `dir`). Not in context outside a repository. Git runs once per provider; the
 * answer is reused for every run of the process.
 */
export function createGitRunContextProvider(dir: string = entryScriptDir()): RunContextProvider {
  let info: Promise<GitInfo | undefined> | undefined;
  const load = (): Promise<GitInfo | undefined> => (info ??= readGitInfo(dir));
  return {
    name: 'git',
    inContext: async () => (await load()) !== undefined,
    tags: async () => {
      const found = await load();
      if (found === undefined) return {};
      return {
        [GIT_COMMIT_TAG]: found.commit,
        ...(found.branch !== undefined ? { [GIT_BRANCH_TAG]: found.branch } : {}),
        ...(found.repoUrl !== undefined ? { [GIT_REPO_URL_TAG]: found.repoUrl } : {}),
      };
    },
  };
}

export default defineRunContextProvider({ name: 'git', create: () => createGitRunContextProvider() });
