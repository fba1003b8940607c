/**
 * The emulation of MLflow's Python client is only as good as its rules: these pin down the
 * protobuf JSON parsing rules and the Python serialization the replayed flows rely on, so a lenient
 * helper cannot make a wrong server answer pass.
 */
import { describe, expect, it } from 'vitest';
import { ProtobufJsonParseError, Responses, parseDict } from './protobuf-json.js';
import { messageToJson, pyFloat, pythonFloatRepr, pythonJsonDumps, pythonUrlencode, requoteUri } from './python-client-wire.js';

describe('protobuf JSON parsing as the Python client does it', () => {
  it('ignores unknown fields, accepts int64 as numbers or decimal strings and the special doubles', () => {
    const parsed = parseDict(Responses.GetMetricHistory, {
      metrics: [
        { key: 'a', value: 'NaN', timestamp: '1700000000000', step: 3, extra: { anything: true } },
        { key: 'a', value: '-Infinity', timestamp: 1700000000001 },
      ],
      unknown_top_level: [1, 2],
    });
    expect(parsed.metrics).toEqual([
      { key: 'a', value: Number.NaN, timestamp: 1700000000000, step: 3 },
      { key: 'a', value: Number.NEGATIVE_INFINITY, timestamp: 1700000000001 },
    ]);
  });

  it('rejects what ParseDict rejects: wrong scalar types, fractional int64, a non-list repeated field', () => {
    expect(() => parseDict(Responses.GetRun, { run: { info: { run_id: 12 } } })).toThrow(ProtobufJsonParseError);
    expect(() => parseDict(Responses.GetRun, { run: { info: { start_time: 1.5 } } })).toThrow(/start_time/);
    expect(() => parseDict(Responses.GetRun, { run: { info: { start_time: '12 ' } } })).toThrow(ProtobufJsonParseError);
    expect(() => parseDict(Responses.GetRun, { run: { info: { status: 'DONE' } } })).toThrow(/status/);
    expect(() => parseDict(Responses.SearchRuns, { runs: {} })).toThrow(/runs/);
    expect(() => parseDict(Responses.ListArtifacts, { files: [{ path: 'a', is_dir: 'false' }] })).toThrow(/is_dir/);
  });

  it('stringifies numeric experiment ids first, as parse_dict does', () => {
    expect(parseDict(Responses.CreateExperiment, { experiment_id: 7 })).toEqual({ experiment_id: '7' });
  });
});

describe('Python serialization of request messages', () => {
  it('prints doubles with repr and leaves unset and empty fields out', () => {
    expect([1, 0.5, 1e-5, 1e16, 123456.789, -0].map(pythonFloatRepr)).toEqual(['1.0', '0.5', '1e-05', '1e+16', '123456.789', '-0.0']);
    const body = messageToJson({ run_id: 'r', metrics: [{ key: 'k', value: pyFloat(Number.POSITIVE_INFINITY), timestamp: 5, step: 0 }], params: [], tags: undefined });
    expect(pythonJsonDumps(body)).toBe('{"run_id": "r", "metrics": [{"key": "k", "value": "Infinity", "timestamp": 5, "step": 0}]}');
    expect(pythonJsonDumps({ v: 'é😀' })).toBe('{"v": "\\u00e9\\ud83d\\ude00"}');
  });

  it('encodes query parameters and paths as requests does', () => {
    expect(pythonUrlencode({ run_ids: ['a', 'b'], name: "x y/z'(1)", n: 3, unset: undefined })).toBe('run_ids=a&run_ids=b&name=x+y%2Fz%27%281%29&n=3');
    expect(requoteUri('/a b/ü%20c?x=1')).toBe('/a%20b/%C3%BC%20c?x=1');
  });
});
