import type { Metric } from '@orrery/core';

/**
 * How metric observations are written into Redis.
 *
 * History: one STRING per (run, metric key), an append-only log of 24-byte records (step,
 * timestamp, value as little-endian IEEE doubles; steps and timestamps are safe integers, which
 * doubles hold exactly, and the value keeps its exact bits, NaN, ±Infinity and -0 included). A
 * batch appends all its observations of a key with one APPEND, so ingest costs Redis a few
 * microseconds per key and batch, and a point takes 24 bytes. Readers take the whole log and
 * sort it by step, then timestamp, then value (NaN above numbers), the order of the contract.
 *
 * Latest value: `step|timestamp|value` text in a hash; the value is JavaScript's shortest exact
 * decimal form (`NaN`, `Infinity`, `-Infinity`, `-0` included) so it round-trips bit for bit.
 */

/** Bytes per history record. */
export const HISTORY_RECORD_BYTES = 24;

/** Packs observations (all of one key) into history records. */
export function packHistory(metrics: readonly Metric[]): Buffer {
  const buffer = Buffer.allocUnsafe(metrics.length * HISTORY_RECORD_BYTES);
  let offset = 0;
  for (const m of metrics) {
    buffer.writeDoubleLE(m.step, offset);
    buffer.writeDoubleLE(m.timestamp, offset + 8);
    buffer.writeDoubleLE(m.value, offset + 16);
    offset += HISTORY_RECORD_BYTES;
  }
  return buffer;
}

/** Compares observations in history order: step, timestamp, NaN above numbers, value. */
export function compareHistory(a: Metric, b: Metric): number {
  if (a.step !== b.step) return a.step - b.step;
  if (a.timestamp !== b.timestamp) return a.timestamp - b.timestamp;
  const aNaN = Number.isNaN(a.value);
  const bNaN = Number.isNaN(b.value);
  if (aNaN || bNaN) return aNaN === bNaN ? 0 : aNaN ? 1 : -1;
  return a.value < b.value ? -1 : a.value > b.value ? 1 : 0;
}

/**
 * Reads history records back, sorted in history order. A trailing partial record (which Redis
 * never leaves, as every APPEND writes whole records) would be ignored.
 */
export function unpackHistory(key: string, buffer: Buffer | null): Metric[] {
  if (!buffer || buffer.length === 0) return [];
  const count = Math.floor(buffer.length / HISTORY_RECORD_BYTES);
  const metrics: Metric[] = new Array(count);
  let sorted = true;
  for (let i = 0; i < count; i += 1) {
    const offset = i * HISTORY_RECORD_BYTES;
    metrics[i] = {
      key,
      value: buffer.readDoubleLE(offset + 16),
      timestamp: buffer.readDoubleLE(offset + 8),
      step: buffer.readDoubleLE(offset),
    };
    if (sorted && i > 0 && compareHistory(metrics[i - 1]!, metrics[i]!) > 0) sorted = false;
  }
  // Logs are usually appended in order already; sort only when they are not.
  return sorted ? metrics : metrics.sort(compareHistory);
}

/** Exact decimal text of a double, keeping the sign of zero. */
export function exactNumberText(value: number): string {
  return Object.is(value, -0) ? '-0' : String(value);
}

/** The sorted-set score for an index (`+inf`/`-inf` spelled as Redis wants them); null for NaN. */
export function indexScore(value: number): string | null {
  if (Number.isNaN(value)) return null;
  if (value === Infinity) return '+inf';
  if (value === -Infinity) return '-inf';
  return String(value);
}

export function readLatest(key: string, text: string): Metric {
  const [step, timestamp, value] = text.split('|');
  return { key, value: Number(value), timestamp: Number(timestamp), step: Number(step) };
}

/** Whether `a` is a later observation than `b`: greater step, then timestamp, then NaN above numbers, then value. */
export function isLaterMetric(a: Metric, b: Metric): boolean {
  if (a.step !== b.step) return a.step > b.step;
  if (a.timestamp !== b.timestamp) return a.timestamp > b.timestamp;
  const aNaN = Number.isNaN(a.value);
  const bNaN = Number.isNaN(b.value);
  if (aNaN !== bNaN) return aNaN;
  return a.value > b.value;
}

/** Parses a score Redis printed (`inf`, `-inf` or a decimal). */
export function parseScore(text: string): number {
  if (text === 'inf' || text === '+inf') return Infinity;
  if (text === '-inf') return -Infinity;
  return Number(text);
}
