// Fits y = a·x + b by gradient descent, logging the loss into the project run with @orrery/client:
// startRun() resumes the run orrery run created (MLFLOW_RUN_ID), as MLflow's client does.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { endRun, flush, logMetric, setTag, startRun } from '@orrery/client';

const { values } = parseArgs({ options: { data: { type: 'string' }, lr: { type: 'string' } } });
const points = JSON.parse(readFileSync(values.data, 'utf8'));
const lr = Number(values.lr);
await startRun();
let a = 0;
let b = 0;
let loss = 0;
for (let step = 0; step < 50; step += 1) {
  let ga = 0;
  let gb = 0;
  loss = 0;
  for (const { x, y } of points) {
    const error = a * x + b - y;
    ga += (2 * error * x) / points.length;
    gb += (2 * error) / points.length;
    loss += (error * error) / points.length;
  }
  a -= lr * ga;
  b -= lr * gb;
  logMetric('loss', loss, { step });
}
await setTag('model.kind', 'linear');
await flush();
writeFileSync(join(process.env.ORRERY_OUTPUT_DIR, 'model'), JSON.stringify({ a, b }));
console.log(`trained: loss ${loss.toFixed(4)}`);
await endRun();
