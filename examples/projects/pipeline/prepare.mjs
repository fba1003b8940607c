// Writes a small dataset (y = 3x + 1) as the step's `dataset` output.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

const rows = Number(process.argv[2]);
const points = Array.from({ length: rows }, (_, i) => ({ x: i / rows, y: (3 * i) / rows + 1 }));
writeFileSync(join(process.env.ORRERY_OUTPUT_DIR, 'dataset'), JSON.stringify(points));
console.log(`prepared ${rows} rows`);
