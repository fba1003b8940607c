/**
 * docs/testing.md tells contributors which variables and images the test-services registry uses;
 * these checks keep it true: every variable it lists is one the registry or a service reads, every
 * service's variable is listed, the image table is the pinned one, and its commands name real files.
 */
import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  AZURITE_CONNECTION_STRING_ENV,
  AZURITE_SERVICE,
  CONTAINERS_ENV,
  FTP_SERVICE,
  POSTGRES_SERVICE,
  REDIS_SERVICE,
  SERVICE_IMAGES,
  serviceImage,
  SSHD_PASSWORD_SERVICE,
  SSHD_SERVICE,
} from '@orrery/testkit';

const root = new URL('../../../', import.meta.url);
const doc = readFileSync(new URL('docs/testing.md', root), 'utf8');
const variablesTable = doc.slice(doc.indexOf('## Environment variables'));

describe('docs/testing.md', () => {
  it('lists exactly the variables the registry reads', () => {
    const listed = new Set([...variablesTable.matchAll(/^\| `(ORRERY_TEST_[A-Z_]+)`/gm)].map((match) => match[1]!));
    const read = [
      ...[POSTGRES_SERVICE, REDIS_SERVICE, AZURITE_SERVICE, FTP_SERVICE, SSHD_SERVICE, SSHD_PASSWORD_SERVICE].map((definition) => definition.envVar),
      AZURITE_CONNECTION_STRING_ENV,
      CONTAINERS_ENV,
      // Read by the web UI's browser harness (packages/ui/test/e2e/ui-harness.ts) and bench/ui.mjs.
      'ORRERY_TEST_CHROMIUM',
    ];
    expect([...listed].sort()).toEqual([...new Set(read)].sort());
    // The image variables it names are the ones serviceImage reads.
    for (const service of Object.keys(SERVICE_IMAGES) as Array<keyof typeof SERVICE_IMAGES>) {
      expect(variablesTable).toContain(`\`${service.toUpperCase()}\``);
      expect(serviceImage(service, { [`ORRERY_TEST_${service.toUpperCase()}_IMAGE`]: 'x/y:1' })).toBe('x/y:1');
    }
  });

  it('shows the pinned images', () => {
    const table = doc.slice(doc.indexOf('### The containers'), doc.indexOf('## Running the suite on Docker'));
    for (const image of Object.values(SERVICE_IMAGES)) expect(table).toContain(`\`${image}\``);
  });

  it('names files and folders that exist in its commands', () => {
    for (const block of doc.matchAll(/```sh\n([\s\S]*?)```/g)) {
      for (const path of block[1]!.match(/\b(?:scripts|plugins|packages)\/[\w./-]+/g) ?? []) {
        expect(existsSync(new URL(path, root)), path).toBe(true);
      }
    }
  });
});
