/**
 * A small Prometheus client: counters, histograms and gauges with labels, printed in the text
 * exposition format (version 0.0.4). The server needs only these three and no push, cluster or
 * summary support, so a few dozen lines replace a dependency.
 */

/** Media type of the text exposition format. */
export const PROMETHEUS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

function escapeLabelValue(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
}

function labelText(names: readonly string[], values: readonly string[], extra?: [string, string]): string {
  const pairs = names.map((name, i) => `${name}="${escapeLabelValue(values[i] ?? '')}"`);
  if (extra) pairs.push(`${extra[0]}="${escapeLabelValue(extra[1])}"`);
  return pairs.length > 0 ? `{${pairs.join(',')}}` : '';
}

function numberText(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Number.POSITIVE_INFINITY) return '+Inf';
  if (value === Number.NEGATIVE_INFINITY) return '-Inf';
  return String(value);
}

interface Metric {
  render(): string;
}

/** A monotonically increasing count per label set. */
export class Counter implements Metric {
  private readonly values = new Map<string, { labels: readonly string[]; value: number }>();

  constructor(
    readonly name: string,
    readonly help: string,
    readonly labelNames: readonly string[] = [],
  ) {}

  inc(labels: readonly string[] = [], by = 1): void {
    const key = labels.join('\u0000');
    const entry = this.values.get(key);
    if (entry) entry.value += by;
    else this.values.set(key, { labels: [...labels], value: by });
  }

  render(): string {
    const lines = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} counter`];
    for (const { labels, value } of this.values.values()) lines.push(`${this.name}${labelText(this.labelNames, labels)} ${numberText(value)}`);
    return lines.join('\n');
  }
}

/** Observations counted into cumulative buckets, with their sum and count, per label set. */
export class Histogram implements Metric {
  private readonly series = new Map<string, { labels: readonly string[]; buckets: number[]; sum: number; count: number }>();

  constructor(
    readonly name: string,
    readonly help: string,
    readonly labelNames: readonly string[],
    /** Upper bounds, ascending; `+Inf` is implied. */
    readonly bounds: readonly number[],
  ) {}

  observe(labels: readonly string[], value: number): void {
    const key = labels.join('\u0000');
    let entry = this.series.get(key);
    if (!entry) {
      entry = { labels: [...labels], buckets: new Array<number>(this.bounds.length).fill(0), sum: 0, count: 0 };
      this.series.set(key, entry);
    }
    // Only the first bucket that fits is counted here; render() accumulates.
    const index = this.bounds.findIndex((bound) => value <= bound);
    if (index >= 0) entry.buckets[index]! += 1;
    entry.sum += value;
    entry.count += 1;
  }

  render(): string {
    const lines = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} histogram`];
    for (const { labels, buckets, sum, count } of this.series.values()) {
      let cumulative = 0;
      this.bounds.forEach((bound, i) => {
        cumulative += buckets[i]!;
        lines.push(`${this.name}_bucket${labelText(this.labelNames, labels, ['le', numberText(bound)])} ${cumulative}`);
      });
      lines.push(`${this.name}_bucket${labelText(this.labelNames, labels, ['le', '+Inf'])} ${count}`);
      lines.push(`${this.name}_sum${labelText(this.labelNames, labels)} ${numberText(sum)}`);
      lines.push(`${this.name}_count${labelText(this.labelNames, labels)} ${count}`);
    }
    return lines.join('\n');
  }
}

/** A value read when the registry is printed. */
export class Gauge implements Metric {
  constructor(
    readonly name: string,
    readonly help: string,
    private readonly read: () => number,
    readonly type: 'gauge' | 'counter' = 'gauge',
  ) {}

  render(): string {
    return [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} ${this.type}`, `${this.name} ${numberText(this.read())}`].join('\n');
  }
}

/** The metrics of one process, printed together. */
export class PrometheusRegistry {
  private readonly metrics: Metric[] = [];
  private readonly beforeRender: Array<() => void> = [];
  private readonly afterRender: Array<() => void> = [];

  add<T extends Metric>(metric: T): T {
    this.metrics.push(metric);
    return metric;
  }

  /** Runs `prepare` before each print and `reset` after (e.g. windowed event-loop statistics). */
  onRender(prepare: () => void, reset?: () => void): void {
    this.beforeRender.push(prepare);
    if (reset) this.afterRender.push(reset);
  }

  render(): string {
    for (const prepare of this.beforeRender) prepare();
    const text = `${this.metrics.map((metric) => metric.render()).join('\n')}\n`;
    for (const reset of this.afterRender) reset();
    return text;
  }
}
