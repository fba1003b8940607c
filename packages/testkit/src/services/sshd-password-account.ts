import { execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { access, chown, readFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import { isProcessAlive } from '@orrery/core';

const execFileAsync = promisify(execFile);

/**
 * Every harness-made account is named this plus 8 hex digits. One account per daemon, not one
 * shared account: test files run in parallel (and other checkouts may run the same tests), and a
 * shared account's password would be overwritten by whichever daemon started last.
 */
const ACCOUNT_PREFIX = 'orrery-sftp-';
const ACCOUNT_NAME = /^orrery-sftp-[0-9a-f]{8}$/;
/** The GECOS field records the owning process, so a later start can remove accounts a crashed run left. */
const OWNER_COMMENT = /owner pid (\d+)/;

/** Why password login needs root, and what to do instead; shown when the tests are not run as root. */
export const PASSWORD_ACCOUNT_NEEDS_ROOT =
  'password login needs a real local account, because sshd (with UsePAM no) checks passwords against /etc/shadow, ' +
  'and only root can create one';

/** A throwaway local account that may only use SFTP, with a random password. */
export interface PasswordAccount {
  username: string;
  password: string;
  uid: number;
  gid: number;
  /** Deletes the account (`userdel -f`); safe to call twice. */
  remove(): Promise<void>;
}

function isRoot(): boolean {
  return process.getuid?.() === 0;
}


interface PasswdEntry {
  name: string;
  uid: number;
  gid: number;
  comment: string;
}

async function passwdEntries(): Promise<PasswdEntry[]> {
  const text = await readFile('/etc/passwd', 'utf8');
  return text
    .split('\n')
    .map((line) => line.split(':'))
    .filter((fields) => fields.length >= 7)
    .map(([name = '', , uid = '', gid = '', comment = '']) => ({ name, uid: Number(uid), gid: Number(gid), comment }));
}

/** Runs a command with `input` on its stdin (so a password never appears in a process listing). */
async function runWithInput(command: string, args: string[], input: string): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['pipe', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    child.once('error', reject);
    child.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`${command} exited with ${code}: ${stderr.trim()}`))));
    child.stdin.end(input);
  });
}

async function deleteAccount(username: string): Promise<void> {
  // -f: the daemon's per-session processes, which run as the account, may not have exited yet.
  await execFileAsync('userdel', ['-f', username]).catch((error: unknown) => {
    // Exit code 6: the account is already gone (another start's sweep, or a second call).
    if ((error as { code?: unknown }).code !== 6) throw error;
  });
}

/** Deletes harness accounts whose owning process has ended (a run that crashed before `stop`). */
async function removeAbandonedAccounts(): Promise<void> {
  for (const entry of await passwdEntries()) {
    if (!ACCOUNT_NAME.test(entry.name)) continue;
    const owner = OWNER_COMMENT.exec(entry.comment)?.[1];
    if (owner !== undefined && isProcessAlive(Number(owner))) continue;
    await deleteAccount(entry.name).catch(() => undefined);
  }
}

async function nologinShell(): Promise<string> {
  // sshd refuses an account whose shell does not exist; internal-sftp (forced) never runs it.
  for (const shell of ['/usr/sbin/nologin', '/sbin/nologin', '/bin/false']) {
    if (await access(shell).then(() => true, () => false)) return shell;
  }
  throw new Error('none of /usr/sbin/nologin, /sbin/nologin, /bin/false exists to serve as the SFTP test account\'s shell');
}

/**
 * Creates a system account (no login shell, no home made, its own group) whose home is `home`,
 * gives it a fresh random password with chpasswd, and makes `home` its own. Needs root.
 */
export async function createPasswordAccount(home: string): Promise<PasswordAccount> {
  if (!isRoot()) throw new Error(`${PASSWORD_ACCOUNT_NEEDS_ROOT} (this process runs as uid ${process.getuid?.() ?? '?'})`);
  await removeAbandonedAccounts();
  const username = `${ACCOUNT_PREFIX}${randomBytes(4).toString('hex')}`;
  try {
    await execFileAsync('useradd', [
      '--system',
      '--no-create-home',
      '--home-dir',
      home,
      '--shell',
      await nologinShell(),
      '--comment',
      `orrery test sshd, owner pid ${process.pid}`,
      username,
    ]);
  } catch (error) {
    const reason = (error as { stderr?: string }).stderr?.trim() || (error as Error).message;
    throw new Error(`could not create the SFTP test account ${username} with useradd: ${reason}`);
  }
  const remove = () => deleteAccount(username);
  try {
    const entry = (await passwdEntries()).find((candidate) => candidate.name === username);
    if (!entry) throw new Error(`useradd succeeded but ${username} is not in /etc/passwd`);
    // Characters that must be percent-encoded in a URI's userinfo (`@ : / %`) make the tests prove
    // the password is decoded before it is sent; the random part makes it unguessable.
    const password = `${randomBytes(18).toString('base64url')}@:/%`;
    await runWithInput('chpasswd', [], `${username}:${password}\n`);
    await chown(home, entry.uid, entry.gid);
    return { username, password, uid: entry.uid, gid: entry.gid, remove };
  } catch (error) {
    await remove().catch(() => undefined);
    throw error;
  }
}
