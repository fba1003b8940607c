// Describes the dataset; independent of training, so the pipeline runs it beside `train`.
import { readFileSync } from 'node:fs';

const points = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const mean = points.reduce((sum, p) => sum + p.y, 0) / points.length;
console.log(`rows ${points.length}, mean y ${mean.toFixed(3)}`);
