import { describe, expect, it } from 'vitest';
import {
  LIMITS,
  isOrreryError,
  validateArtifactLocation,
  validateArtifactUriWithoutSecret,
  validateEntityKey,
  validateLogBatch,
  validateMaxResults,
  validateMetric,
  validateParam,
  validateRunStatus,
  validateRunTag,
  validateViewType,
} from '@orrery/core';

function codeOf(fn: () => void): string | undefined {
  try {
    fn();
    return undefined;
  } catch (error) {
    return isOrreryError(error) ? error.code : 'NOT_AN_ORRERY_ERROR';
  }
}

function messageOf(fn: () => void): string {
  try {
    fn();
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error('expected a throw');
}

describe('entity keys', () => {
  it.each(['loss', 'val/loss', 'a.b-c_d e', 'x'.repeat(250), 'épochs'])('accepts %j', (key) => {
    expect(codeOf(() => validateEntityKey('metric', key))).toBeUndefined();
  });

  it.each([
    ['', 'empty'],
    ['x'.repeat(251), 'over 250 characters'],
    ['a:b', 'colon'],
    ['a*b', 'star'],
    ['/abs', 'leading slash'],
    ['a/../b', 'dot-dot segment'],
    ['..', 'dot-dot'],
    ['a//b', 'empty segment'],
    ['./a', 'dot segment'],
  ])('refuses %j (%s) with INVALID_PARAMETER_VALUE', (key) => {
    expect(codeOf(() => validateEntityKey('param', key))).toBe('INVALID_PARAMETER_VALUE');
  });

  it('names the key and the rule', () => {
    const message = messageOf(() => validateEntityKey('tag', 'bad:key'));
    expect(message).toContain("'bad:key'");
    expect(message).toMatch(/alphanumerics/);
  });
});

describe('values', () => {
  it('bounds param values at 6000 characters and names the length', () => {
    expect(codeOf(() => validateParam({ key: 'p', value: 'v'.repeat(LIMITS.maxParamValueLength) }))).toBeUndefined();
    const message = messageOf(() => validateParam({ key: 'p', value: 'v'.repeat(6001) }));
    expect(message).toContain("'p'");
    expect(message).toContain('6001');
  });

  it('bounds run tag values at 8000 characters', () => {
    expect(codeOf(() => validateRunTag({ key: 't', value: 'v'.repeat(8000) }))).toBeUndefined();
    expect(codeOf(() => validateRunTag({ key: 't', value: 'v'.repeat(8001) }))).toBe('INVALID_PARAMETER_VALUE');
  });

  it('accepts NaN and infinities as metric values but not strings or fractional steps', () => {
    for (const value of [Number.NaN, Infinity, -Infinity, 0, -1.5e300]) {
      expect(codeOf(() => validateMetric({ key: 'm', value, timestamp: 1, step: 0 }))).toBeUndefined();
    }
    expect(codeOf(() => validateMetric({ key: 'm', value: 'abc' as unknown as number, timestamp: 1, step: 0 }))).toBe(
      'INVALID_PARAMETER_VALUE',
    );
    expect(codeOf(() => validateMetric({ key: 'm', value: 1, timestamp: 1, step: 0.5 }))).toBe('INVALID_PARAMETER_VALUE');
  });
});

describe('batches', () => {
  const metric = (i: number) => ({ key: `m${i}`, value: i, timestamp: 1, step: 0 });

  it('accepts 1000 metrics and refuses 1001 with MLflow-like wording', () => {
    expect(codeOf(() => validateLogBatch({ metrics: Array.from({ length: 1000 }, (_, i) => metric(i)) }))).toBeUndefined();
    const message = messageOf(() => validateLogBatch({ metrics: Array.from({ length: 1001 }, (_, i) => metric(i)) }));
    expect(message).toMatch(/at most 1000 metrics\. Got 1001 metrics/);
  });

  it('refuses 101 params, 101 tags and one bad item anywhere', () => {
    const params = Array.from({ length: 101 }, (_, i) => ({ key: `p${i}`, value: 'v' }));
    expect(codeOf(() => validateLogBatch({ params }))).toBe('INVALID_PARAMETER_VALUE');
    const tags = Array.from({ length: 101 }, (_, i) => ({ key: `t${i}`, value: 'v' }));
    expect(codeOf(() => validateLogBatch({ tags }))).toBe('INVALID_PARAMETER_VALUE');
    expect(codeOf(() => validateLogBatch({ metrics: [metric(1), { ...metric(2), key: 'bad:key' }] }))).toBe(
      'INVALID_PARAMETER_VALUE',
    );
  });

  it('refuses one param key with two values in the same batch', () => {
    const params = [
      { key: 'lr', value: '0.1' },
      { key: 'lr', value: '0.2' },
    ];
    expect(messageOf(() => validateLogBatch({ params }))).toContain("'lr'");
    expect(codeOf(() => validateLogBatch({ params: [params[0]!, params[0]!] }))).toBeUndefined();
  });
});

describe('enumerations and paging sizes', () => {
  it('accepts MLflow run statuses only', () => {
    for (const status of ['RUNNING', 'SCHEDULED', 'FINISHED', 'FAILED', 'KILLED']) {
      expect(codeOf(() => validateRunStatus(status))).toBeUndefined();
    }
    expect(messageOf(() => validateRunStatus('DONE'))).toContain('RUNNING, SCHEDULED, FINISHED, FAILED, KILLED');
  });

  it('accepts the three view types only', () => {
    expect(codeOf(() => validateViewType('ALL'))).toBeUndefined();
    expect(codeOf(() => validateViewType('EVERYTHING'))).toBe('INVALID_PARAMETER_VALUE');
  });

  it('defaults max_results and refuses negatives, zero, fractions and values over the cap', () => {
    expect(validateMaxResults(undefined, LIMITS.searchRuns)).toBe(1000);
    expect(validateMaxResults(50000, LIMITS.searchRuns)).toBe(50000);
    for (const bad of [-1, 0, 1.5, 50001]) {
      expect(codeOf(() => validateMaxResults(bad, LIMITS.searchRuns))).toBe('INVALID_PARAMETER_VALUE');
    }
  });
});

describe('artifact locations carrying credentials', () => {
  it.each([
    ['ftp://u:pw1@host/p', /'ftp:\/\/u:\*\*\*@host\/p'.*ORRERY_FTP_PASSWORD/],
    ['ftps://u:pw1@host/p', /ORRERY_FTP_USER and ORRERY_FTP_PASSWORD/],
    ['sftp://me:pw1@host/data', /ORRERY_SFTP_PASSWORD/],
    ['https://acct.blob.core.windows.net/c/p?sv=1&sig=pw1', /parameter 'sig'.*AZURE_STORAGE_CONNECTION_STRING.*AZURE_STORAGE_ACCESS_KEY/],
    ['wasbs://c:pw1@acct.blob.core.windows.net/p', /AZURE_STORAGE_CONNECTION_STRING/],
    ['s3://bucket/p?token=pw1', /'s3:' URIs reads its credentials from the environment/],
  ])('refuses %s naming the field, masked, with where the credential goes', (uri, says) => {
    expect(codeOf(() => validateArtifactLocation(uri))).toBe('INVALID_PARAMETER_VALUE');
    const message = messageOf(() => validateArtifactLocation(uri));
    expect(message).toMatch(/^Invalid artifact_location '/);
    expect(message).toMatch(says);
    expect(message).not.toContain('pw1');
  });

  it('accepts no location, a user name alone, and URIs without credentials; refuses a non-string', () => {
    for (const location of [undefined, 'ftp://u@host/p', 'sftp://me@host/data', 'wasbs://c@acct.blob.core.windows.net/p', 's3://b/p', '']) {
      expect(codeOf(() => validateArtifactLocation(location))).toBeUndefined();
    }
    expect(messageOf(() => validateArtifactLocation(42))).toContain('artifact_location');
  });

  it("names the caller's field and appends its advice", () => {
    const message = messageOf(() => validateArtifactUriWithoutSecret('--default-artifact-root', 'ftp://u:pw1@h/p', 'Or proxy it.'));
    expect(message).toMatch(/^Invalid --default-artifact-root 'ftp:\/\/u:\*\*\*@h\/p'/);
    expect(message.endsWith(' Or proxy it.')).toBe(true);
  });
});
