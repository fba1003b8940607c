#!/usr/bin/env node
// SFTP artifact throughput: `node bench/artifacts-sftp.mjs` (after `pnpm tsc -b`).
// Starts a private OpenSSH sshd (as the tests do), then measures upload and download throughput
// for one large file (BENCH_SFTP_MB, default 1024 MiB) and for many small files (BENCH_SFTP_FILES,
// default 10 000 files of 1 KiB), twice: through the plugin (SftpArtifactRepository.logArtifact /
// logArtifacts / downloadArtifacts) and through bare ssh2-sftp-client (fastPut / fastGet,
// uploadDir / downloadDir). Prints both and the plugin's share of the bare client's throughput
// (target >= 90%). Both run over loopback against the same daemon, alternating, best of
// BENCH_SFTP_ROUNDS (default 2) rounds.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import fs from 'node:fs/promises';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';

const MiB = 1024 * 1024;
const BIG_MB = Number(process.env.BENCH_SFTP_MB ?? 1024);
const FILES = Number(process.env.BENCH_SFTP_FILES ?? 10_000);
const SMALL_BYTES = 1024;
const ROUNDS = Number(process.env.BENCH_SFTP_ROUNDS ?? 2);

const root = new URL('..', import.meta.url);
const { startSshd } = await import(new URL('packages/testkit/dist/services/sshd-service.js', root).href);
const { SftpArtifactRepository } = await import(new URL('plugins/sftp/dist/index.js', root).href);
const { createLogger } = await import(new URL('packages/core/dist/index.js', root).href);
// The bare library, resolved where the plugin resolves it.
const SftpClient = createRequire(new URL('plugins/sftp/package.json', root))('ssh2-sftp-client');

async function sha256(file) {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk);
  return hash.digest('hex');
}

/**
 * Times `fn`. Dirty pages of the previous transfer are flushed first (`sync`, untimed): otherwise
 * the kernel's writeback of one upload slows whichever transfer comes next.
 */
async function time(fn) {
  execFileSync('sync');
  const start = performance.now();
  await fn();
  return (performance.now() - start) / 1000;
}

const scratch = await fs.mkdtemp(path.join(os.tmpdir(), 'orrery-bench-sftp-'));
const sshd = await startSshd();
try {
  // Inputs: one big file of pseudo-random bytes, and a directory of small files.
  const bigFile = path.join(scratch, 'big.bin');
  {
    const handle = await fs.open(bigFile, 'w');
    const block = Buffer.alloc(MiB);
    for (let i = 0; i < BIG_MB; i += 1) {
      for (let j = 0; j < MiB; j += 4) block.writeUInt32LE((i * 2654435761 + j * 40503) >>> 0, j);
      await handle.write(block);
    }
    await handle.close();
  }
  const bigHash = await sha256(bigFile);
  const smallDir = path.join(scratch, 'small');
  await fs.mkdir(smallDir);
  for (let i = 0; i < FILES; i += 1) await fs.writeFile(path.join(smallDir, `f${String(i).padStart(5, '0')}.txt`), Buffer.alloc(SMALL_BYTES, i % 256));

  const url = new URL(sshd.url);
  const remote = (name) => path.join(sshd.dataDir, name);
  const results = {};

  // ---- connections: bare ssh2-sftp-client, and the plugin ----
  const bare = new SftpClient('bench', { error() {}, end() {}, close() {} });
  await bare.connect({
    host: '127.0.0.1',
    port: sshd.port,
    username: sshd.username,
    privateKey: await fs.readFile(sshd.clientKeyPath),
    hostVerifier: () => true,
  });
  // Same socket setting as the plugin (it is a property of the connection, not of the library's speed).
  bare.client.setNoDelay(true);
  url.pathname = `${url.pathname}/plugin`;
  const repo = new SftpArtifactRepository(url.toString(), { logger: createLogger({ level: 'silent' }) });
  await repo.listArtifacts(); // connect outside the timings, as for the bare client

  // Bare and plugin alternate, ROUNDS times each, and the best time of each counts: the machine
  // may be shared, and alternating spreads any background load over both.
  const best = (key, seconds) => (results[key] = Math.min(results[key] ?? Infinity, seconds));
  for (let round = 0; round < ROUNDS; round += 1) {
    await bare.mkdir(remote('bare'), true);
    best('bareBigUp', await time(() => bare.fastPut(bigFile, remote('bare/big.bin'))));
    best('pluginBigUp', await time(() => repo.logArtifact(bigFile, 'model')));

    const bareDown = path.join(scratch, 'bare-big.bin');
    best('bareBigDown', await time(() => bare.fastGet(remote('bare/big.bin'), bareDown)));
    if ((await sha256(bareDown)) !== bigHash) throw new Error('bare download differs');
    await fs.rm(bareDown);
    const pluginDownDir = path.join(scratch, 'plugin-down');
    best('pluginBigDown', await time(() => repo.downloadArtifacts('model/big.bin', pluginDownDir)));
    if ((await sha256(path.join(pluginDownDir, 'model', 'big.bin'))) !== bigHash) throw new Error('plugin download differs');
    await fs.rm(pluginDownDir, { recursive: true, force: true });

    best('bareSmallUp', await time(() => bare.uploadDir(smallDir, remote('bare/small'))));
    best('pluginSmallUp', await time(() => repo.logArtifacts(smallDir, 'small')));
    const bareSmallDown = path.join(scratch, 'bare-small');
    best('bareSmallDown', await time(() => bare.downloadDir(remote('bare/small'), bareSmallDown)));
    const pluginSmallDown = path.join(scratch, 'plugin-small');
    best('pluginSmallDown', await time(() => repo.downloadArtifacts('small', pluginSmallDown)));

    // A streamed body (writeArtifactStream / readArtifactStream), for reference.
    best('pluginStreamUp', await time(() => repo.writeArtifactStream('model/streamed.bin', createReadStream(bigFile))));
    best('pluginStreamDown', await time(async () => {
      for await (const _chunk of await repo.readArtifactStream('model/streamed.bin'));
    }));

    await fs.rm(remote('bare'), { recursive: true, force: true });
    await fs.rm(bareSmallDown, { recursive: true, force: true });
    await fs.rm(pluginSmallDown, { recursive: true, force: true });
    await repo.deleteArtifacts();
  }
  await bare.end();
  await repo.close();

  const mbps = (seconds) => BIG_MB / seconds;
  const fps = (seconds) => FILES / seconds;
  const row = (label, unit, plugin, bareValue) =>
    `${label.padEnd(34)} plugin ${plugin.toFixed(1).padStart(8)} ${unit}   bare ${bareValue.toFixed(1).padStart(8)} ${unit}   ratio ${((plugin / bareValue) * 100).toFixed(0).padStart(4)}%`;
  console.log(`SFTP artifacts benchmark: OpenSSH sshd on 127.0.0.1, ${BIG_MB} MiB file, ${FILES} files of ${SMALL_BYTES} B, best of ${ROUNDS}`);
  console.log(row(`upload ${BIG_MB} MiB file`, 'MiB/s', mbps(results.pluginBigUp), mbps(results.bareBigUp)));
  console.log(row(`download ${BIG_MB} MiB file`, 'MiB/s', mbps(results.pluginBigDown), mbps(results.bareBigDown)));
  console.log(row(`upload ${FILES} small files`, 'files/s', fps(results.pluginSmallUp), fps(results.bareSmallUp)));
  console.log(row(`download ${FILES} small files`, 'files/s', fps(results.pluginSmallDown), fps(results.bareSmallDown)));
  console.log(`${'streamed upload (writeArtifactStream)'.padEnd(34)} plugin ${mbps(results.pluginStreamUp).toFixed(1).padStart(8)} MiB/s`);
  console.log(`${'streamed download (readArtifactStream)'.padEnd(34)} plugin ${mbps(results.pluginStreamDown).toFixed(1).padStart(8)} MiB/s`);
} finally {
  await sshd.stop();
  await fs.rm(scratch, { recursive: true, force: true });
}
