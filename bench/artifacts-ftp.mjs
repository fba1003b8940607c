#!/usr/bin/env node
// FTP artifact throughput: `node bench/artifacts-ftp.mjs` (after `pnpm tsc -b`; as root, since it
// starts pure-ftpd from the Debian package on 127.0.0.1 with a temporary root, unless
// ORRERY_BENCH_FTP_URL names an FTP server, `ftp://user:password@host:port/dir`).
//
// Measures, through the plugin (FtpArtifactRepository: pooled connections, path checks; files
// under ORRERY_FTP_RENAME_THRESHOLD_MB, default 16, stored with one STOR under their own name,
// larger ones uploaded to a temporary name and renamed into place: so with the defaults the
// small files go directly and the large one by rename) and through bare basic-ftp used directly:
//   - upload and download of one BENCH_FTP_MB (default 1024) MiB file;
//   - upload and download of BENCH_FTP_FILES (default 10 000) small files of BENCH_FTP_FILE_KB
//     (default 4) KiB each, in one directory.
// The bare runs use as many connections as the plugin's pool (ORRERY_FTP_MAX_CONNECTIONS, default
// 4) for the small files, each uploading its share one file after another, and one connection
// for the large file (a single transfer uses one connection in both). Prints MiB/s and files/s
// and the plugin's share of the bare figure; the target is 90% or more. Each case runs
// BENCH_FTP_ROUNDS (default 3) times, plugin and bare alternating; the best time of each counts.
// For reference it also prints bare basic-ftp's own directory helpers (one connection).
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import fs from 'node:fs/promises';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';

const MiB = 1024 * 1024;
const LARGE_MB = Number(process.env.BENCH_FTP_MB ?? 1024);
const SMALL_FILES = Number(process.env.BENCH_FTP_FILES ?? 10_000);
const SMALL_KB = Number(process.env.BENCH_FTP_FILE_KB ?? 4);
const CONNECTIONS = Number(process.env.ORRERY_FTP_MAX_CONNECTIONS ?? 4);
const ROUNDS = Number(process.env.BENCH_FTP_ROUNDS ?? 3);
const RENAME_THRESHOLD_MB = process.env.ORRERY_FTP_RENAME_THRESHOLD_MB ? Number(process.env.ORRERY_FTP_RENAME_THRESHOLD_MB) : undefined;

const root = fileURLToPath(new URL('..', import.meta.url));
const { DEFAULT_RENAME_THRESHOLD_BYTES, FtpArtifactRepository, parseFtpUri } = await import(path.join(root, 'plugins/ftp/dist/index.js'));
const { startPureFtpd } = await import(path.join(root, 'packages/testkit/dist/services/ftp-service.js'));
const { Client } = createRequire(path.join(root, 'plugins/ftp/package.json'))('basic-ftp');

async function sha256(file) {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk);
  return hash.digest('hex');
}

async function timed(action) {
  const started = performance.now();
  await action();
  return (performance.now() - started) / 1000;
}

async function bareClient(location) {
  const client = new Client(30_000);
  await client.access({ host: location.host, port: location.port, user: location.user, password: location.password, secure: location.secure });
  return client;
}

/** Splits `items` into `parts` interleaved shares. */
function shares(items, parts) {
  return Array.from({ length: parts }, (_, i) => items.filter((_, j) => j % parts === i));
}

const server = process.env.ORRERY_BENCH_FTP_URL ? undefined : await startPureFtpd();
const baseUrl = (process.env.ORRERY_BENCH_FTP_URL ?? server.url).replace(/\/+$/, '');
const scratch = await fs.mkdtemp(path.join(os.tmpdir(), 'orrery-bench-ftp-'));
const runId = `bench-${Date.now()}`;
const rootUri = `${baseUrl}/${runId}`;
const location = parseFtpUri(rootUri);
const results = [];

try {
  // ---- inputs ----
  const largeFile = path.join(scratch, 'large.bin');
  {
    const handle = await fs.open(largeFile, 'w');
    const block = Buffer.alloc(MiB);
    for (let i = 0; i < LARGE_MB; i += 1) {
      for (let j = 0; j < MiB; j += 4) block.writeUInt32LE((i * 2654435761 + j * 40503) >>> 0, j);
      await handle.write(block);
    }
    await handle.close();
  }
  const largeHash = await sha256(largeFile);
  const smallDir = path.join(scratch, 'small');
  await fs.mkdir(smallDir);
  const smallNames = Array.from({ length: SMALL_FILES }, (_, i) => `f${String(i).padStart(5, '0')}.bin`);
  for (const [i, name] of smallNames.entries()) await fs.writeFile(path.join(smallDir, name), Buffer.alloc(SMALL_KB * 1024, i % 251));
  const smallBytes = SMALL_FILES * SMALL_KB * 1024;

  const remoteRoot = location.rootPath;
  const repo = new FtpArtifactRepository(rootUri, {
    maxConnections: CONNECTIONS,
    ...(RENAME_THRESHOLD_MB !== undefined ? { renameThresholdBytes: Math.round(RENAME_THRESHOLD_MB * MiB) } : {}),
  });
  const clients = await Promise.all(Array.from({ length: CONNECTIONS }, () => bareClient(location)));
  const [bare] = clients;
  await bare.ensureDir(`${remoteRoot}/bare`);
  await bare.ensureDir(`${remoteRoot}/bare-small`);
  const dst = path.join(scratch, 'dst');
  const freshDst = async () => {
    await fs.rm(dst, { recursive: true, force: true });
    await fs.mkdir(dst, { recursive: true });
  };

  // Each case runs ROUNDS times, plugin and bare alternating, and keeps each side's best time:
  // the machine may be shared, and the best of a few runs is the least disturbed one.
  const times = { pluginLargeUp: [], bareLargeUp: [], pluginLargeDown: [], bareLargeDown: [] };
  const small = { pluginUp: [], bareUp: [], bareSeqUp: [], pluginDown: [], bareDown: [], bareSeqDown: [] };
  for (let round = 0; round < ROUNDS; round += 1) {
    times.pluginLargeUp.push(await timed(() => repo.logArtifact(largeFile, 'plugin')));
    times.bareLargeUp.push(await timed(() => bare.uploadFrom(largeFile, `${remoteRoot}/bare/large.bin`)));
    await freshDst();
    times.pluginLargeDown.push(await timed(() => repo.downloadArtifacts('plugin/large.bin', dst)));
    if (round === 0 && (await sha256(path.join(dst, 'plugin', 'large.bin'))) !== largeHash) throw new Error('plugin: large file checksum differs');
    await freshDst();
    times.bareLargeDown.push(await timed(() => bare.downloadTo(path.join(dst, 'large.bin'), `${remoteRoot}/bare/large.bin`)));
    if (round === 0 && (await sha256(path.join(dst, 'large.bin'))) !== largeHash) throw new Error('bare: large file checksum differs');
    await freshDst();
  }
  await repo.deleteArtifacts('plugin');
  await bare.remove(`${remoteRoot}/bare/large.bin`);

  const split = shares(smallNames, CONNECTIONS);
  for (let round = 0; round < ROUNDS; round += 1) {
    small.pluginUp.push(await timed(() => repo.logArtifacts(smallDir, 'plugin-small')));
    small.bareUp.push(
      await timed(() =>
        Promise.all(
          clients.map(async (client, i) => {
            for (const name of split[i]) await client.uploadFrom(path.join(smallDir, name), `${remoteRoot}/bare-small/${name}`);
          }),
        ),
      ),
    );
    small.bareSeqUp.push(await timed(() => bare.uploadFromDir(smallDir, `${remoteRoot}/bare-seq`)));
    await freshDst();
    small.pluginDown.push(await timed(() => repo.downloadArtifacts('plugin-small', dst)));
    if ((await fs.readdir(path.join(dst, 'plugin-small'))).length !== SMALL_FILES) throw new Error('plugin: small files missing');
    await freshDst();
    small.bareDown.push(
      await timed(async () => {
        const names = (await bare.list(`${remoteRoot}/bare-small`)).map((entry) => entry.name);
        const parts = shares(names, CONNECTIONS);
        await Promise.all(
          clients.map(async (client, i) => {
            for (const name of parts[i]) await client.downloadTo(path.join(dst, name), `${remoteRoot}/bare-small/${name}`);
          }),
        );
      }),
    );
    if ((await fs.readdir(dst)).length !== SMALL_FILES) throw new Error('bare: small files missing');
    await freshDst();
    small.bareSeqDown.push(await timed(() => bare.downloadToDir(dst, `${remoteRoot}/bare-seq`)));
    await freshDst();
  }
  await repo.deleteArtifacts();
  await repo.close();
  for (const client of clients) client.close();
  const best = (list) => Math.min(...list);

  const pluginLargeUp = best(times.pluginLargeUp);
  const bareLargeUp = best(times.bareLargeUp);
  const pluginLargeDown = best(times.pluginLargeDown);
  const bareLargeDown = best(times.bareLargeDown);
  const pluginSmallUp = best(small.pluginUp);
  const bareSmallUp = best(small.bareUp);
  const pluginSmallDown = best(small.pluginDown);
  const bareSmallDown = best(small.bareDown);
  const mibps = (bytes, seconds) => bytes / MiB / seconds;
  const sequential = [
    [`${SMALL_FILES} files upload`, SMALL_FILES / best(small.bareSeqUp)],
    [`${SMALL_FILES} files download`, SMALL_FILES / best(small.bareSeqDown)],
  ];
  results.push(
    ['1 file upload', mibps(LARGE_MB * MiB, pluginLargeUp), mibps(LARGE_MB * MiB, bareLargeUp), 'MiB/s'],
    ['1 file download', mibps(LARGE_MB * MiB, pluginLargeDown), mibps(LARGE_MB * MiB, bareLargeDown), 'MiB/s'],
    [`${SMALL_FILES} files upload`, SMALL_FILES / pluginSmallUp, SMALL_FILES / bareSmallUp, 'files/s'],
    [`${SMALL_FILES} files download`, SMALL_FILES / pluginSmallDown, SMALL_FILES / bareSmallDown, 'files/s'],
  );
  console.log(
    `FTP artifacts: ${server ? 'pure-ftpd on 127.0.0.1 (harness-started)' : location.shownUri}; ` +
      `large file ${LARGE_MB} MiB; ${SMALL_FILES} small files of ${SMALL_KB} KiB (${(smallBytes / MiB).toFixed(0)} MiB); ` +
      `${CONNECTIONS} connections for the small files; rename threshold ${RENAME_THRESHOLD_MB ?? DEFAULT_RENAME_THRESHOLD_BYTES / MiB} MiB; best of ${ROUNDS} rounds`,
  );
  console.log(`${'case'.padEnd(22)} ${'plugin'.padStart(12)} ${'bare basic-ftp'.padStart(15)} ${'ratio'.padStart(7)}`);
  for (const [label, plugin, bareFigure, unit] of results) {
    console.log(
      `${label.padEnd(22)} ${`${plugin.toFixed(1)}`.padStart(12)} ${`${bareFigure.toFixed(1)}`.padStart(15)} ${`${((plugin / bareFigure) * 100).toFixed(0)}%`.padStart(7)}  ${unit}`,
    );
  }
  for (const [label, figure] of sequential) {
    console.log(`${label.padEnd(22)} bare basic-ftp on one connection (uploadFromDir / downloadToDir): ${figure.toFixed(1)} files/s`);
  }
  const worst = Math.min(...results.map(([, plugin, bareFigure]) => plugin / bareFigure));
  console.log(`lowest ratio ${(worst * 100).toFixed(0)}% (target >= 90%)`);
} finally {
  await fs.rm(scratch, { recursive: true, force: true });
  await server?.stop();
}
