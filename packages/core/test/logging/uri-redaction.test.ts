import { describe, expect, it } from 'vitest';
import { redactUri, uriCarriesSecret, uriSecrets } from '@orrery/core';

describe('uriSecrets and redactUri agree on what a credential is', () => {
  it.each([
    ['ftp://u:pw1@host/p', 'ftp://u:***@host/p', ['a password after the user name']],
    ['sftp://me:pw1@files.example:2222/data', 'sftp://me:***@files.example:2222/data', ['a password after the user name']],
    ['redis://:pw1@localhost:6379/0', 'redis://***@localhost:6379/0', ['a password after the user name']],
    // An unencoded `@` in the password: the userinfo ends at the last `@`, as URL parsers read it.
    ['ftp://u:p@pw1@host/p', 'ftp://u:***@host/p', ['a password after the user name']],
    [
      'https://acct.blob.core.windows.net/c/p?sv=2022-11-02&sp=r&sig=pw1',
      'https://acct.blob.core.windows.net/c/p?sv=2022-11-02&sp=r&sig=***',
      ["parameter 'sig'"],
    ],
    ['https://h/x?X-Amz-Signature=pw1&a=1', 'https://h/x?X-Amz-Signature=***&a=1', ["parameter 'X-Amz-Signature'"]],
    ['https://h/x?access_token=pw1', 'https://h/x?access_token=***', ["parameter 'access_token'"]],
    ['https://h/x?%73ig=pw1', 'https://h/x?%73ig=***', ["parameter 'sig'"]],
    ['https://h/x;password=pw1', 'https://h/x;password=***', ["parameter 'password'"]],
    [
      'DefaultEndpointsProtocol=https;AccountName=a;AccountKey=pw1==;',
      'DefaultEndpointsProtocol=https;AccountName=a;AccountKey=***;',
      ["parameter 'AccountKey'"],
    ],
  ])('%s carries a secret, masked as %s', (uri, masked, found) => {
    expect(uriSecrets(uri)).toEqual(found);
    expect(uriCarriesSecret(uri)).toBe(true);
    expect(redactUri(uri)).toBe(masked);
    expect(redactUri(uri)).not.toContain('pw1');
  });

  it.each([
    'ftp://u@host/p',
    'ftp://u:@host/p',
    'sftp://me@files.example/data?key_path=/home/me/.ssh/id_ed25519&trust_on_first_use=1',
    'wasbs://artifacts@acct.blob.core.windows.net/runs',
    'https://acct.blob.core.windows.net/c/p?sv=2022-11-02&sig=',
    's3://bucket/prefix',
    'mlflow-artifacts:/',
    'file:///tmp/runs',
    '/tmp/a:b@c',
    'https://h/x?email=a@b.example&page=2',
    'postgresql://postgres@127.0.0.1:5432/orrery',
  ])('%s carries none, and is shown unchanged', (uri) => {
    expect(uriSecrets(uri)).toEqual([]);
    expect(uriCarriesSecret(uri)).toBe(false);
    expect(redactUri(uri)).toBe(uri);
  });
});
