import { describe, expect, it } from 'vitest';
import { isOrreryError } from '@orrery/core';
import { canonicalModelStage } from '@orrery/core';
import { parseModelUri } from '../src/registry/model-uri.js';

function refusal(uri: string): string {
  try {
    parseModelUri(uri);
  } catch (error) {
    expect(isOrreryError(error)).toBe(true);
    expect((error as { code: string }).code).toBe('INVALID_PARAMETER_VALUE');
    return (error as Error).message;
  }
  throw new Error(`${uri} was accepted`);
}

describe('parseModelUri', () => {
  it('parses runs:/ URIs into a run id and a normalized artifact path', () => {
    expect(parseModelUri('runs:/abc123/model')).toEqual({ scheme: 'runs', runId: 'abc123', artifactPath: 'model' });
    expect(parseModelUri('runs:/abc123/dir/sub/model/')).toEqual({ scheme: 'runs', runId: 'abc123', artifactPath: 'dir/sub/model' });
    expect(parseModelUri('runs:/abc123')).toEqual({ scheme: 'runs', runId: 'abc123', artifactPath: '' });
  });

  it('parses every models:/ form', () => {
    expect(parseModelUri('models:/fraud/3')).toEqual({ scheme: 'models', name: 'fraud', selector: { kind: 'version', version: '3' }, path: '' });
    expect(parseModelUri('models:/fraud/production')).toEqual({ scheme: 'models', name: 'fraud', selector: { kind: 'stage', stage: 'Production' }, path: '' });
    expect(parseModelUri('models:/fraud/Staging/MLmodel')).toEqual({
      scheme: 'models',
      name: 'fraud',
      selector: { kind: 'stage', stage: 'Staging' },
      path: 'MLmodel',
    });
    expect(parseModelUri('models:/fraud/latest')).toEqual({ scheme: 'models', name: 'fraud', selector: { kind: 'latest' }, path: '' });
    expect(parseModelUri('models:/fraud@champion')).toEqual({ scheme: 'models', name: 'fraud', selector: { kind: 'alias', alias: 'champion' }, path: '' });
    expect(parseModelUri('models:/fraud@champion/data/x.bin')).toMatchObject({ path: 'data/x.bin' });
    expect(parseModelUri('models:/my model/007')).toMatchObject({ selector: { kind: 'version', version: '7' } });
  });

  it('refuses malformed URIs with INVALID_PARAMETER_VALUE naming the URI and the rule', () => {
    expect(refusal('')).toMatch(/empty/);
    expect(refusal('s3://bucket/model')).toMatch(/Invalid model URI 's3:\/\/bucket\/model': expected runs:\//);
    expect(refusal('runs:/')).toMatch(/run id is missing/);
    expect(refusal('runs://profile/abc/model')).toMatch(/single slash/);
    expect(refusal('runs:/abc/../../etc/passwd')).toMatch(/not a safe relative path/);
    expect(refusal('runs:/a b/model')).toMatch(/run id 'a b'/);
    expect(refusal('models:/')).toMatch(/model name is missing/);
    expect(refusal('models:/fraud')).toMatch(/version or stage is missing/);
    expect(refusal('models:/fraud/')).toMatch(/version or stage is missing/);
    expect(refusal('models:/fraud/Prod')).toMatch(/'Prod' is neither a version number, 'latest', nor a stage \(None, Staging, Production, Archived\)/);
    expect(refusal('models:/fraud/0')).toMatch(/start at 1/);
    expect(refusal('models:/fraud@')).toMatch(/alias is missing/);
    expect(refusal('models:/@champion')).toMatch(/model name is missing/);
    expect(refusal('models:/fraud/1?x=1')).toMatch(/no query/);
  });
});

describe('canonicalModelStage', () => {
  it('takes any letter case and refuses unknown stages', () => {
    expect(canonicalModelStage('archived')).toBe('Archived');
    expect(canonicalModelStage('NONE')).toBe('None');
    expect(() => canonicalModelStage('live')).toThrow(/Invalid model version stage 'live' for parameter 'stage': it must be one of None, Staging, Production, Archived/);
  });
});
