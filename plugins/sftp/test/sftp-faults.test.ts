import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createLogger } from '@orrery/core';
import { generateBytes, hashStream } from '@orrery/testkit';
import { SftpArtifactRepository, UPLOAD_TEMP_PREFIX } from '@orrery/plugin-sftp';
import { startSshd, type StartedSshd } from '../../../packages/testkit/src/services/sshd-service.js';

const MiB = 1024 * 1024;

async function sha256File(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** Every file under `dir` whose name starts with `prefix`. */
async function findNamed(dir: string, prefix: string): Promise<string[]> {
  const found: string[] = [];
  for (const entry of await fs.readdir(dir, { withFileTypes: true, recursive: true })) {
    if (entry.name.startsWith(prefix)) found.push(path.join(entry.parentPath, entry.name));
  }
  return found;
}

describe('SFTP: the SSH session dies mid-upload', () => {
  // A private daemon: this test kills its session processes.
  let sshd: StartedSshd;
  let scratch: string;

  beforeEach(async () => {
    sshd = await startSshd();
    scratch = await fs.mkdtemp(path.join(os.tmpdir(), 'orrery-sftp-fault-'));
  });

  afterEach(async () => {
    await sshd?.stop();
    await fs.rm(scratch, { recursive: true, force: true });
  });

  it('retries the files on a fresh connection; the stored files are whole and no partial file is left', { timeout: 120_000 }, async () => {
    const localDir = path.join(scratch, 'model');
    await fs.mkdir(path.join(localDir, 'weights'), { recursive: true });
    const names = ['weights/part-1.bin', 'weights/part-2.bin', 'config.json'];
    const sizes = [64 * MiB, 48 * MiB, 1234];
    for (const [index, name] of names.entries()) {
      const handle = await fs.open(path.join(localDir, name), 'w');
      for await (const chunk of generateBytes(sizes[index]!, { seed: index + 1 }).body) await handle.write(chunk);
      await handle.close();
    }

    const repo = new SftpArtifactRepository(`${sshd.url.replace('?', '/run-1/artifacts?')}`, {
      logger: createLogger({ level: 'silent' }),
      concurrency: 3,
    });
    const serverRoot = path.join(sshd.dataDir, 'run-1', 'artifacts');
    try {
      // Kill the SSH session once a temporary upload file on the server holds a few MiB.
      let killedSessions = 0;
      const killer = (async () => {
        const deadline = Date.now() + 60_000;
        while (Date.now() < deadline) {
          const temps = await findNamed(serverRoot, UPLOAD_TEMP_PREFIX).catch(() => []);
          const sizesNow = await Promise.all(temps.map((temp) => fs.stat(temp).then((s) => s.size, () => 0)));
          if (sizesNow.some((size) => size > 4 * MiB)) {
            for (const pid of await sshd.sessionPids()) {
              process.kill(pid, 'SIGKILL');
              killedSessions += 1;
            }
            return;
          }
          await new Promise((resolve) => setTimeout(resolve, 5));
        }
      })();

      await repo.logArtifacts(localDir, 'model');
      await killer;
      expect(killedSessions, 'the upload outran the fault injection').toBeGreaterThan(0);

      for (const name of names) {
        const stored = await hashStream(await repo.readArtifactStream(`model/${name}`));
        expect(stored.sha256, name).toBe(await sha256File(path.join(localDir, name)));
      }
      expect(await repo.listArtifacts('model/weights')).toEqual([
        { path: 'model/weights/part-1.bin', isDir: false, fileSize: 64 * MiB },
        { path: 'model/weights/part-2.bin', isDir: false, fileSize: 48 * MiB },
      ]);
      // The dropped attempts' temporary files were removed on retry.
      expect(await findNamed(serverRoot, UPLOAD_TEMP_PREFIX)).toEqual([]);
    } finally {
      await repo.close();
    }
  });

  it('reconnects for the next operation after the session was killed between operations', async () => {
    const repo = new SftpArtifactRepository(sshd.url, { logger: createLogger({ level: 'silent' }) });
    try {
      const body = generateBytes(MiB, { seed: 5 });
      await repo.writeArtifactStream('a.bin', body.body);
      for (const pid of await sshd.sessionPids()) process.kill(pid, 'SIGKILL');
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(await repo.listArtifacts()).toEqual([{ path: 'a.bin', isDir: false, fileSize: MiB }]);
      expect((await hashStream(await repo.readArtifactStream('a.bin'))).sha256).toBe(body.sha256());
    } finally {
      await repo.close();
    }
  });
});
