import { describe, expect, it } from 'vitest';
import { differenceRows } from '../../src/compare/run-differences.js';
import { buildAxes, runPolylines } from '../../src/compare/parallel-coordinates.js';

describe('compare: params side by side', () => {
  it('lists every key once, marks the rows where runs disagree, and can keep only those', () => {
    const runs = [
      { runId: 'a', values: new Map([['lr', '0.1'], ['layers', '2'], ['opt', 'adam']]) },
      { runId: 'b', values: new Map([['lr', '0.01'], ['layers', '2']]) },
    ];
    expect(differenceRows(runs)).toEqual([
      { key: 'layers', cells: ['2', '2'], differs: false },
      { key: 'lr', cells: ['0.1', '0.01'], differs: true },
      { key: 'opt', cells: ['adam', undefined], differs: true },
    ]);
    expect(differenceRows(runs, true).map((r) => r.key)).toEqual(['lr', 'opt']);
  });
});

describe('compare: parallel coordinates', () => {
  it('scales numeric axes between the runs\' extremes and spreads categories evenly', () => {
    const [lr, opt, constant] = buildAxes([
      { id: 'param:lr', label: 'lr', values: ['0.1', '0.3', undefined] },
      { id: 'param:opt', label: 'opt', values: ['sgd', 'adam', 'rmsprop'] },
      { id: 'metric:acc', label: 'acc', values: [0.9, 0.9, 0.9] },
    ]);
    expect(lr).toMatchObject({ kind: 'numeric', ticks: ['0.1', '0.2', '0.3'], positions: [0, 1, undefined] });
    expect(opt).toMatchObject({ kind: 'categorical', ticks: ['adam', 'rmsprop', 'sgd'], positions: [1, 0, 0.5] });
    expect(constant).toMatchObject({ ticks: ['0.9'], positions: [0.5, 0.5, 0.5] });
    expect(buildAxes([{ id: 'x', label: 'x', values: [undefined] }])).toEqual([]);
  });

  it('draws one polyline per run, broken where the run lacks a value', () => {
    const axes = buildAxes([
      { id: 'a', label: 'a', values: [0, 1] },
      { id: 'b', label: 'b', values: [1, undefined] },
      { id: 'c', label: 'c', values: [0, 1] },
    ]);
    const lines = runPolylines(axes, 2, { left: 0, right: 100, top: 0, bottom: 10 });
    expect(lines[0]).toEqual(['0.0,10.0 50.0,5.0 100.0,10.0']);
    expect(lines[1]).toEqual(['0.0,0.0', '100.0,0.0']);
  });
});
