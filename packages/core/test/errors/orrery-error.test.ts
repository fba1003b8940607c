import { describe, expect, it } from 'vitest';
import { ERROR_HTTP_STATUS, OrreryError, errors, httpStatusFor, isOrreryError, redactUri } from '@orrery/core';

describe('error taxonomy', () => {
  it("maps codes to MLflow's HTTP statuses, including 400 for RESOURCE_ALREADY_EXISTS", () => {
    expect(httpStatusFor('INVALID_PARAMETER_VALUE')).toBe(400);
    expect(httpStatusFor('RESOURCE_ALREADY_EXISTS')).toBe(400);
    expect(httpStatusFor('RESOURCE_DOES_NOT_EXIST')).toBe(404);
    expect(httpStatusFor('TEMPORARILY_UNAVAILABLE')).toBe(503);
    expect(httpStatusFor('RESOURCE_CONFLICT')).toBe(409);
    expect(Object.keys(ERROR_HTTP_STATUS)).toContain('ENDPOINT_NOT_FOUND');
  });

  it('serialises to the MLflow wire form', () => {
    const error = errors.notFound('Run with id=abc not found');
    expect(JSON.parse(JSON.stringify(error))).toEqual({
      error_code: 'RESOURCE_DOES_NOT_EXIST',
      message: 'Run with id=abc not found',
    });
    expect(error.httpStatus).toBe(404);
  });

  it('recognises errors from another copy of core by brand, and nothing else', () => {
    const foreign = Object.assign(new Error('x'), { code: 'INVALID_STATE', [Symbol.for('orrery.error')]: true });
    expect(isOrreryError(foreign)).toBe(true);
    expect(isOrreryError(new OrreryError('INTERNAL_ERROR', 'boom'))).toBe(true);
    expect(isOrreryError(Object.assign(new Error('x'), { code: 'INVALID_STATE' }))).toBe(false);
    expect(isOrreryError({ [Symbol.for('orrery.error')]: true, code: 'NOT_A_CODE' })).toBe(false);
    expect(isOrreryError(null)).toBe(false);
  });
});

describe('redactUri', () => {
  it('hides passwords and tokens but keeps the user and host', () => {
    expect(redactUri('postgresql://alice:s3cret@db:5432/x')).toBe('postgresql://alice:***@db:5432/x');
    expect(redactUri('redis://:pw@localhost:6379/0')).toBe('redis://***@localhost:6379/0');
    expect(redactUri('https://h/x?sig=abc&a=1')).toBe('https://h/x?sig=***&a=1');
    expect(redactUri('DefaultEndpointsProtocol=https;AccountName=a;AccountKey=k==;')).toContain('AccountKey=***');
  });
});
