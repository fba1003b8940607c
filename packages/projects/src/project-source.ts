import { execFile } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { isAbsolute, join, relative, resolve as resolvePath } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { errors } from '@orrery/core';

const run = promisify(execFile);

/** A project made available as a local directory. */
export interface ProjectSource {
  /** The directory holding the MLproject (the `#subdirectory` when one was given). */
  dir: string;
  /** Where a backend fetches the project again: the absolute directory, or the git URI as given. */
  uri: string;
  /** What `mlflow.source.name` holds: the absolute directory, or the git URI as given. */
  sourceName: string;
  gitCommit?: string;
  gitRepoUrl?: string;
  /** Removes the checkout made for a git URI; nothing for a local directory. */
  cleanup(): Promise<void>;
}

/** Splits `uri#sub/dir` into the URI and the subdirectory. */
export function splitSubdirectory(uri: string): { base: string; subdirectory?: string } {
  const hash = uri.lastIndexOf('#');
  if (hash < 0) return { base: uri };
  const subdirectory = uri.slice(hash + 1);
  if (subdirectory === '') return { base: uri.slice(0, hash) };
  if (isAbsolute(subdirectory) || subdirectory.split(/[\\/]/).includes('..')) {
    throw errors.invalidParameter(`Subdirectory '${subdirectory}' of project URI ${uri} must be a relative path inside the project.`);
  }
  return { base: uri.slice(0, hash), subdirectory };
}

async function git(args: string[], cwd?: string): Promise<string> {
  try {
    const { stdout } = await run('git', args, { ...(cwd !== undefined ? { cwd } : {}), env: { ...process.env, GIT_TERMINAL_PROMPT: '0' } });
    return stdout.trim();
  } catch (error) {
    const detail = ((error as { stderr?: string }).stderr ?? (error as Error).message).trim().split('\n').pop();
    throw errors.invalidParameter(`git ${args[0]} failed: ${detail}`);
  }
}

async function gitOrUndefined(args: string[], cwd: string): Promise<string | undefined> {
  try {
    const { stdout } = await run('git', args, { cwd });
    return stdout.trim() || undefined;
  } catch {
    return undefined;
  }
}

function isGitRepository(dir: string): boolean {
  return existsSync(join(dir, '.git')) || (existsSync(join(dir, 'HEAD')) && existsSync(join(dir, 'objects')));
}

function withSubdirectory(root: string, subdirectory: string | undefined, uri: string): string {
  const dir = subdirectory === undefined ? root : join(root, subdirectory);
  if (!existsSync(dir) || !statSync(dir).isDirectory()) {
    throw errors.invalidParameter(`Project directory ${subdirectory ?? ''} not found in ${uri}.`);
  }
  if (relative(root, dir).startsWith('..')) throw errors.invalidParameter(`Subdirectory of ${uri} leaves the project.`);
  return dir;
}

/**
 * Makes the project at `uri` available locally. A local directory is used in place (its git commit
 * and remote recorded when it is a working copy); a git URI (`file://`, `git://`, `https://`,
 * `ssh://`, or a local repository with `version`) is cloned into a temporary directory and
 * `version` (branch, tag or commit) checked out.
 */
export async function fetchProject(uri: string, options: { version?: string; cwd?: string } = {}): Promise<ProjectSource> {
  const { base, subdirectory } = splitSubdirectory(uri);
  const hasScheme = /^[a-zA-Z][a-zA-Z0-9+.-]+:/.test(base);
  const localPath = !hasScheme ? resolvePath(options.cwd ?? process.cwd(), base) : base.startsWith('file:') ? fileURLToPath(base) : undefined;
  if (localPath !== undefined && !existsSync(localPath)) throw errors.invalidParameter(`Project directory ${localPath} does not exist.`);
  const bare = localPath !== undefined && !existsSync(join(localPath, '.git')) && isGitRepository(localPath);
  if (localPath !== undefined && options.version === undefined && !bare) {
    const commit = await gitOrUndefined(['rev-parse', 'HEAD'], localPath);
    const remote = commit === undefined ? undefined : await gitOrUndefined(['config', '--get', 'remote.origin.url'], localPath);
    const dir = withSubdirectory(localPath, subdirectory, uri);
    return {
      dir,
      uri: dir,
      sourceName: base.startsWith('file:') ? uri : resolvePath(localPath, subdirectory ?? '.'),
      ...(commit !== undefined ? { gitCommit: commit } : {}),
      ...(remote !== undefined ? { gitRepoUrl: remote } : {}),
      cleanup: async () => undefined,
    };
  }
  if (localPath !== undefined && !isGitRepository(localPath)) {
    throw errors.invalidParameter(`--version ${options.version} needs a git repository, and ${localPath} is not one.`);
  }
  const checkout = await mkdtemp(join(tmpdir(), 'orrery-project-'));
  const cleanup = () => rm(checkout, { recursive: true, force: true });
  try {
    await git(['clone', '--quiet', localPath ?? base, checkout]);
    if (options.version !== undefined) await git(['checkout', '--quiet', options.version], checkout);
    const commit = await git(['rev-parse', 'HEAD'], checkout);
    const repoUrl = localPath !== undefined && !hasScheme ? localPath : base;
    return { dir: withSubdirectory(checkout, subdirectory, uri), uri, sourceName: uri, gitCommit: commit, gitRepoUrl: repoUrl, cleanup };
  } catch (error) {
    await cleanup();
    throw error;
  }
}
