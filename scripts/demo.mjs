#!/usr/bin/env node
// The main job until the tracking server lands: logs a few runs into the embedded default store
// (./orrery.db, artifacts under ./orrery-artifacts) with the fluent API, then lists them with the CLI.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const orrery = await import('../packages/client/dist/index.js');

await orrery.setExperiment('demo');
for (const lr of [0.1, 0.03, 0.01]) {
  await orrery.withRun(async () => {
    orrery.logParams({ lr: String(lr), optimizer: 'sgd' });
    let loss = 1;
    for (let step = 0; step < 100; step += 1) {
      loss *= 1 - lr;
      orrery.logMetric('loss', loss, { step });
    }
    await orrery.logText(`final loss ${loss.toFixed(4)}\n`, 'summary.txt');
  }, { runName: `lr-${lr}` });
}

const cli = fileURLToPath(new URL('../packages/cli/dist/bin.js', import.meta.url));
const show = (args) => spawnSync(process.execPath, [cli, ...args], { stdio: 'inherit' });
show(['experiments', 'list']);
const listed = show(['runs', 'list', '--experiment-name', 'demo', '--order-by', 'metrics.loss ASC']);
process.exit(listed.status ?? 1);
