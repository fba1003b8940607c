#!/usr/bin/env node
// Azure Blob artifact throughput: `node bench/artifacts-azure.mjs` (after `pnpm tsc -b`).
// Starts a private Azurite (as the tests do, persisting to a temp dir so a 1 GiB blob fits), then
// measures upload and download throughput for one large file (BENCH_AZURE_MB, default 1024 MiB)
// and for many small files (BENCH_AZURE_FILES, default 10 000 files of 1 KiB), twice: through the
// plugin (AzureBlobArtifactRepository.logArtifact / logArtifacts / downloadArtifacts) and through
// the bare Azure SDK (BlockBlobClient.uploadFile / BlobClient.downloadToFile, with the same block
// size and concurrency). Prints both and the plugin's share of the bare SDK's throughput (target
// >= 90%). Both run against the same server, case by case in alternating order, best of
// BENCH_AZURE_ROUNDS (default 2); then the ratio of each round's back-to-back pair, and their median.
// Set ORRERY_BENCH_AZURE_CONNECTION_STRING to measure a real account instead (containers named
// orrery-bench-* are created and deleted there).
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import fs from 'node:fs/promises';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { median } from './bench-kit.mjs';

const MiB = 1024 * 1024;
const BIG_MB = Number(process.env.BENCH_AZURE_MB ?? 1024);
const FILES = Number(process.env.BENCH_AZURE_FILES ?? 10_000);
const SMALL_BYTES = 1024;
const ROUNDS = Number(process.env.BENCH_AZURE_ROUNDS ?? 2);
/** The plugin's defaults, given to the bare SDK too so that both do the same work. */
const BLOCK_SIZE = 8 * MiB;
const FILE_CONCURRENCY = 8;
const TREE_CONCURRENCY = 16;

const root = new URL('..', import.meta.url);
const { startAzurite } = await import(new URL('packages/testkit/dist/services/azurite-service.js', root).href);
const { AzureBlobArtifactRepository } = await import(new URL('plugins/azure-blob/dist/index.js', root).href);
const { forEachBounded } = await import(new URL('packages/core/dist/index.js', root).href);
// The bare library, resolved where the plugin resolves it.
const { BlobServiceClient } = createRequire(new URL('plugins/azure-blob/package.json', root))('@azure/storage-blob');

async function sha256(file) {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk);
  return hash.digest('hex');
}

/** Times `fn`, after flushing dirty pages of the previous transfer (untimed). */
async function time(fn) {
  execFileSync('sync');
  const start = performance.now();
  await fn();
  return (performance.now() - start) / 1000;
}

const scratch = await fs.mkdtemp(path.join(os.tmpdir(), 'orrery-bench-azure-'));
const external = process.env.ORRERY_BENCH_AZURE_CONNECTION_STRING;
const azurite = external ? undefined : await startAzurite({ location: path.join(scratch, 'azurite') });
const connectionString = external ?? azurite.connectionString;
const service = BlobServiceClient.fromConnectionString(connectionString);
const account = service.accountName;
let containerCounter = 0;

async function freshContainer() {
  containerCounter += 1;
  const name = `orrery-bench-${process.pid}-${containerCounter}`;
  await service.createContainer(name);
  return name;
}

try {
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
  const smallNames = [];
  for (let i = 0; i < FILES; i += 1) {
    const sub = `d${String(i % 100).padStart(2, '0')}`;
    smallNames.push(`${sub}/f${String(i).padStart(5, '0')}.txt`);
  }
  for (let d = 0; d < 100; d += 1) await fs.mkdir(path.join(smallDir, `d${String(d).padStart(2, '0')}`), { recursive: true });
  await forEachBounded(smallNames, 64, (name) => fs.writeFile(path.join(smallDir, name), Buffer.alloc(SMALL_BYTES, name.length)));

  const best = { plugin: {}, bare: {} };
  /** Every round's seconds, per side and case: the plugin and the SDK ran back to back in each. */
  const rounds = { plugin: {}, bare: {} };
  const keep = (side, key, seconds) => {
    best[side][key] = Math.min(best[side][key] ?? Infinity, seconds);
    (rounds[side][key] ??= []).push(seconds);
  };

  // Each case runs through the plugin and the bare SDK back to back, in alternating order, each
  // side in its own container: Azurite slows down as deleted 1 GiB blobs pile up and its garbage
  // collector runs, so whole rounds one after the other measured the server's state more than the
  // client (the same SDK call came out anywhere from 57% to 155% of itself).
  const pluginRepo = (container) =>
    new AzureBlobArtifactRepository(`wasbs://${container}@${account}.blob.core.windows.net/bench`, {
      env: { AZURE_STORAGE_CONNECTION_STRING: connectionString },
    });
  const sides = {
    plugin: {
      bigUp: (c) => pluginRepo(c).logArtifact(bigFile, 'big'),
      bigDown: (c, dst) => pluginRepo(c).downloadArtifacts('big/big.bin', dst),
      bigCheck: (dst) => path.join(dst, 'big', 'big.bin'),
      smallUp: (c) => pluginRepo(c).logArtifacts(smallDir, 'small'),
      smallDown: (c, dst) => pluginRepo(c).downloadArtifacts('small', dst),
    },
    bare: {
      bigUp: (c) =>
        service.getContainerClient(c).getBlockBlobClient('bench/big/big.bin').uploadFile(bigFile, { blockSize: BLOCK_SIZE, concurrency: FILE_CONCURRENCY, maxSingleShotSize: BLOCK_SIZE }),
      bigDown: (c, dst) => service.getContainerClient(c).getBlockBlobClient('bench/big/big.bin').downloadToFile(path.join(dst, 'big.bin')),
      bigCheck: (dst) => path.join(dst, 'big.bin'),
      smallUp: (c) =>
        forEachBounded(smallNames, TREE_CONCURRENCY, (name) =>
          service.getContainerClient(c).getBlockBlobClient(`bench/small/${name}`).uploadFile(path.join(smallDir, name), { blockSize: BLOCK_SIZE, concurrency: FILE_CONCURRENCY }),
        ),
      smallDown: async (c, dst) => {
        const container = service.getContainerClient(c);
        const names = [];
        for await (const blob of container.listBlobsFlat({ prefix: 'bench/small/' })) names.push(blob.name);
        await forEachBounded(names, TREE_CONCURRENCY, async (name) => {
          const target = path.join(dst, ...name.split('/'));
          await fs.mkdir(path.dirname(target), { recursive: true });
          await container.getBlobClient(name).downloadToFile(target);
        });
      },
    },
  };

  for (let round = 0; round < ROUNDS; round += 1) {
    const order = round % 2 === 0 ? ['plugin', 'bare'] : ['bare', 'plugin'];
    const containers = { plugin: await freshContainer(), bare: await freshContainer() };
    const dst = {};
    for (const side of order) dst[side] = await fs.mkdtemp(path.join(scratch, `dl-${side}-`));
    for (const side of order) keep(side, 'bigUp', await time(() => sides[side].bigUp(containers[side])));
    for (const side of order) {
      keep(side, 'bigDown', await time(() => sides[side].bigDown(containers[side], dst[side])));
      if ((await sha256(sides[side].bigCheck(dst[side]))) !== bigHash) throw new Error(`${side}: download of the big file differs`);
    }
    for (const side of order) keep(side, 'smallUp', await time(() => sides[side].smallUp(containers[side])));
    for (const side of order) keep(side, 'smallDown', await time(() => sides[side].smallDown(containers[side], dst[side])));
    for (const side of order) {
      await fs.rm(dst[side], { recursive: true, force: true });
      await service.deleteContainer(containers[side]);
    }
  }

  const mbps = (seconds) => BIG_MB / seconds;
  const fps = (seconds) => FILES / seconds;
  const rows = [
    ['upload 1 file', `${BIG_MB} MiB`, mbps, 'MiB/s', 'bigUp'],
    ['download 1 file', `${BIG_MB} MiB`, mbps, 'MiB/s', 'bigDown'],
    ['upload small files', `${FILES} x 1 KiB`, fps, 'files/s', 'smallUp'],
    ['download small files', `${FILES} x 1 KiB`, fps, 'files/s', 'smallDown'],
  ];
  console.log(`Azure Blob artifacts against ${external ? 'an external account' : `Azurite (${azurite.url})`}, best of ${ROUNDS} round(s)`);
  console.log(['transfer'.padEnd(22), 'size'.padEnd(16), 'plugin'.padStart(14), 'bare SDK'.padStart(14), 'ratio'.padStart(8)].join(' '));
  for (const [label, size, rate, unit, key] of rows) {
    const plugin = rate(best.plugin[key]);
    const bare = rate(best.bare[key]);
    console.log(
      [
        label.padEnd(22),
        size.padEnd(16),
        `${plugin.toFixed(1)} ${unit}`.padStart(14),
        `${bare.toFixed(1)} ${unit}`.padStart(14),
        `${((plugin / bare) * 100).toFixed(0)}%`.padStart(8),
      ].join(' '),
    );
  }
  // The same comparison paired round by round: in each round the two sides ran one right after
  // the other, so their ratio cancels what drifts between rounds (the emulator's state, the
  // host). The median of those ratios is the steadier figure when the rounds disagree.
  console.log(`\nplugin / bare SDK throughput, round by round (paired), and the median of the rounds:`);
  for (const [label, , , , key] of rows) {
    const ratios = rounds.plugin[key].map((seconds, i) => rounds.bare[key][i] / seconds);
    console.log(`${label.padEnd(22)} ${ratios.map((r) => `${(r * 100).toFixed(0)}%`.padStart(6)).join(' ')}   median ${(median(ratios) * 100).toFixed(0)}%`);
  }
} finally {
  await azurite?.stop();
  await fs.rm(scratch, { recursive: true, force: true });
}
