// Scores the model on the dataset.
import { readFileSync } from 'node:fs';

const points = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const { a, b } = JSON.parse(readFileSync(process.argv[3], 'utf8'));
const mse = points.reduce((sum, p) => sum + (a * p.x + b - p.y) ** 2, 0) / points.length;
console.log(`evaluation mse ${mse.toFixed(4)}`);
