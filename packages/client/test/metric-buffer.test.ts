import { isOrreryError, type LogBatchInput, type Logger, type Metric } from '@orrery/core';
import { afterEach, describe, expect, it } from 'vitest';
import { recordingLogger } from '@orrery/testkit';
import { MetricBuffer, type MetricSink } from '../src/metric-buffer.js';

/**
 * The buffer is a unit that talks only to its sink, so a recording sink stands in for the store
 * here (the end-to-end tests use the real SQLite store).
 */
class RecordingSink implements MetricSink {
  readonly calls: Array<{ runId: string; metrics: Metric[] }> = [];
  failNext: Error | null = null;

  async logBatch(runId: string, batch: LogBatchInput): Promise<void> {
    await Promise.resolve();
    if (this.failNext !== null) {
      const error = this.failNext;
      this.failNext = null;
      throw error;
    }
    this.calls.push({ runId, metrics: batch.metrics ?? [] });
  }

  metricsOf(runId: string): Metric[] {
    return this.calls.filter((c) => c.runId === runId).flatMap((c) => c.metrics);
  }
}

const buffers: MetricBuffer[] = [];
function newBuffer(sink: MetricSink, logger: Logger = recordingLogger(), flushIntervalMs = 60_000): MetricBuffer {
  const buffer = new MetricBuffer({ sink, logger, flushIntervalMs });
  buffers.push(buffer);
  return buffer;
}

afterEach(async () => {
  for (const buffer of buffers.splice(0)) await buffer.close().catch(() => undefined);
});

describe('MetricBuffer', () => {
  it('sends batches of at most 1000 metrics and keeps the logging order', async () => {
    const sink = new RecordingSink();
    const buffer = newBuffer(sink);
    for (let i = 0; i < 2500; i += 1) buffer.add('run-a', 'loss', i / 10, i, 1_700_000_000_000 + i);
    await buffer.flush();
    expect(sink.calls.map((c) => c.metrics.length)).toEqual([1000, 1000, 500]);
    const sent = sink.metricsOf('run-a');
    expect(sent.map((m) => m.step)).toEqual(Array.from({ length: 2500 }, (_, i) => i));
    expect(sent[42]).toEqual({ key: 'loss', value: 4.2, step: 42, timestamp: 1_700_000_000_042 });
    expect(buffer.pendingCount).toBe(0);
  });

  it('starts sending on its own once 1000 metrics are queued', async () => {
    const sink = new RecordingSink();
    const buffer = newBuffer(sink);
    for (let i = 0; i < 1000; i += 1) buffer.add('run-a', 'm', i);
    // No flush call: the full batch goes out in the background.
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(sink.calls).toHaveLength(1);
    expect(sink.calls[0]!.metrics).toHaveLength(1000);
  });

  it('sends a partial batch after the flush interval', async () => {
    const sink = new RecordingSink();
    const buffer = newBuffer(sink, recordingLogger(), 10);
    buffer.add('run-a', 'm', 1);
    buffer.add('run-a', 'm', 2);
    for (let i = 0; i < 100 && sink.calls.length === 0; i += 1) await new Promise((r) => setTimeout(r, 10));
    expect(sink.calls).toEqual([{ runId: 'run-a', metrics: [expect.objectContaining({ value: 1 }), expect.objectContaining({ value: 2 })] }]);
  });

  it('splits interleaved runs per run, each in order', async () => {
    const sink = new RecordingSink();
    const buffer = newBuffer(sink);
    for (let i = 0; i < 1500; i += 1) buffer.add(i % 3 === 0 ? 'run-a' : 'run-b', 'm', i, i);
    await buffer.flush();
    for (const call of sink.calls) expect(call.metrics.length).toBeLessThanOrEqual(1000);
    const a = sink.metricsOf('run-a').map((m) => m.step);
    const b = sink.metricsOf('run-b').map((m) => m.step);
    expect(a).toEqual(Array.from({ length: 1500 }, (_, i) => i).filter((i) => i % 3 === 0));
    expect(b).toEqual(Array.from({ length: 1500 }, (_, i) => i).filter((i) => i % 3 !== 0));
  });

  it('defaults step to 0 and timestamp to now, and keeps NaN and infinities', async () => {
    const sink = new RecordingSink();
    const buffer = newBuffer(sink);
    const before = Date.now();
    buffer.add('run-a', 'm', Number.NaN);
    buffer.add('run-a', 'm', Infinity);
    buffer.add('run-a', 'm', -Infinity);
    await buffer.flush();
    const [nan, inf, negInf] = sink.metricsOf('run-a');
    expect(nan!.value).toBeNaN();
    expect(inf!.value).toBe(Infinity);
    expect(negInf!.value).toBe(-Infinity);
    expect(nan!.step).toBe(0);
    expect(nan!.timestamp).toBeGreaterThanOrEqual(before);
    expect(nan!.timestamp).toBeLessThanOrEqual(Date.now());
  });

  it('rejects bad input at once, naming the problem, and queues nothing', () => {
    const buffer = newBuffer(new RecordingSink());
    const invalid = (fn: () => void, message: RegExp) => {
      try {
        fn();
        expect.unreachable('should have thrown');
      } catch (error) {
        expect(isOrreryError(error) && error.code).toBe('INVALID_PARAMETER_VALUE');
        expect((error as Error).message).toMatch(message);
      }
    };
    invalid(() => buffer.add('run-a', 'bad key!', 1), /Invalid metric key 'bad key!'/);
    invalid(() => buffer.add('run-a', '../up', 1), /metric key/);
    invalid(() => buffer.add('run-a', 'm', '1' as unknown as number), /must be a number/);
    invalid(() => buffer.add('run-a', 'm', 1, 1.5), /Invalid step 1.5/);
    invalid(() => buffer.add('run-a', 'm', 1, 0, Number.NaN), /Invalid timestamp NaN/);
    expect(buffer.pendingCount).toBe(0);
  });

  it('reports a failed send: logged with the count, then thrown once from flush', async () => {
    const sink = new RecordingSink();
    const logger = recordingLogger();
    const buffer = newBuffer(sink, logger);
    sink.failNext = new Error('disk full');
    for (let i = 0; i < 3; i += 1) buffer.add('run-a', 'm', i);
    const failure = await buffer.flush().then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(isOrreryError(failure)).toBe(true);
    expect((failure as Error).message).toMatch(/Failed to log 3 buffered metric\(s\).*run-a.*disk full/);
    expect(((failure as Error).cause as Error).message).toBe('disk full');
    expect(logger.records).toContainEqual(
      expect.objectContaining({ level: 'error', obj: expect.objectContaining({ runId: 'run-a', lostMetrics: 3 }) }),
    );
    // Reported once: the buffer works again afterwards.
    buffer.add('run-a', 'm', 10);
    await buffer.flush();
    expect(sink.metricsOf('run-a').map((m) => m.value)).toEqual([10]);
  });

  it('throws a background failure from the next add', async () => {
    const sink = new RecordingSink();
    const buffer = newBuffer(sink);
    sink.failNext = new Error('store gone');
    for (let i = 0; i < 1000; i += 1) buffer.add('run-a', 'm', i);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(() => buffer.add('run-a', 'm', 1)).toThrow(/Failed to log 1000 buffered metric\(s\).*store gone/);
    // The metric that surfaced the error was not queued; the next one is.
    buffer.add('run-a', 'm', 2);
    await buffer.flush();
    expect(sink.metricsOf('run-a').map((m) => m.value)).toEqual([2]);
  });

  it('keeps the store error code of a failed send', async () => {
    const { errors } = await import('@orrery/core');
    const sink = new RecordingSink();
    const buffer = newBuffer(sink);
    sink.failNext = errors.invalidState('The run is deleted.');
    buffer.add('run-a', 'm', 1);
    await expect(buffer.flush()).rejects.toMatchObject({ code: 'INVALID_STATE' });
  });

  it('refuses metrics after close', async () => {
    const buffer = newBuffer(new RecordingSink());
    await buffer.close();
    expect(() => buffer.add('run-a', 'm', 1)).toThrow(/closed/);
  });
});
