/**
 * Plugin options of the built-in plugins, as docs/configuration.md documents them: the example
 * configuration file is valid for the FTP and SFTP plugins, every variable in the table is an
 * option's variable, and a bad value is refused through the container before the plugin connects
 * anywhere, in the words the variable's users know.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { checkPluginOptions, createOrreryContainer, disposeContainer, OrreryTokens, rawPluginOptions, readOrreryConfigFile, resolve } from '@orrery/core';
import { AZURE_BLOB_OPTIONS } from '@orrery/plugin-azure-blob';
import { FTP_OPTIONS } from '@orrery/plugin-ftp';
import { REDIS_OPTIONS } from '@orrery/plugin-redis';
import { SFTP_OPTIONS } from '@orrery/plugin-sftp';

const DOC = readFileSync(fileURLToPath(new URL('../docs/configuration.md', import.meta.url)), 'utf8');
const SECTION = DOC.slice(DOC.indexOf('## Plugin options'), DOC.indexOf('## Environment variables'));

const dirs: string[] = [];
const tempDir = () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'orrery-options-'));
  dirs.push(dir);
  return dir;
};
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('plugin options of the built-in plugins', () => {
  it("docs/configuration.md's example file gives the FTP and SFTP plugins typed options", () => {
    const example = /```json\n([\s\S]*?)```/.exec(SECTION)?.[1];
    expect(example).toBeDefined();
    const dir = tempDir();
    writeFileSync(path.join(dir, 'orrery.config.json'), example!);
    const { config } = readOrreryConfigFile(dir, {});
    const ftp = checkPluginOptions(rawPluginOptions('@orrery/plugin-ftp', FTP_OPTIONS, { config: config.plugins! }), FTP_OPTIONS, '@orrery/plugin-ftp');
    expect(ftp).toEqual({ maxConnections: 8, renameThresholdMb: 0 });
    const sftp = checkPluginOptions(rawPluginOptions('@orrery/plugin-sftp', SFTP_OPTIONS, { config: config.plugins! }), SFTP_OPTIONS, '@orrery/plugin-sftp');
    expect(sftp).toEqual({ knownHosts: '/etc/orrery/known_hosts', trustOnFirstUse: false });
  });

  it("every variable in the doc's table sets an option of that plugin", () => {
    const declared = new Set(
      [FTP_OPTIONS, SFTP_OPTIONS, AZURE_BLOB_OPTIONS, REDIS_OPTIONS].flatMap((schema) => Object.values(schema).map((spec) => spec.env)),
    );
    const table = SECTION.slice(SECTION.indexOf('| package |'));
    const documented = [...table.matchAll(/`([A-Z][A-Z0-9_]+)`/g)].map((m) => m[1]);
    expect(documented.length).toBe(15);
    for (const variable of documented) expect(declared).toContain(variable);
  });

  it('a bad ORRERY_FTP_MAX_CONNECTIONS is refused through the container before any connection', async () => {
    const dir = tempDir();
    const container = await createOrreryContainer({ cwd: dir, env: { ORRERY_FTP_MAX_CONNECTIONS: '0' }, openTrackingStore: false });
    const open = resolve(container, OrreryTokens.artifactRepositoryFactory);
    // 192.0.2.1 (TEST-NET-1) is never contacted: the options fail first.
    await expect(open('ftp://192.0.2.1/x')).rejects.toThrow(
      `ORRERY_FTP_MAX_CONNECTIONS must be an integer from 1 to 64, not '0' (option "maxConnections" of plugin @orrery/plugin-ftp).`,
    );
    await disposeContainer(container);
  });

  it('a secret of the wrong type from the file is refused without showing it', async () => {
    const dir = tempDir();
    writeFileSync(path.join(dir, 'orrery.config.json'), JSON.stringify({ plugins: { '@orrery/plugin-ftp': { password: 12345678 } } }));
    const container = await createOrreryContainer({ cwd: dir, env: {}, openTrackingStore: false });
    const error = await resolve(container, OrreryTokens.artifactRepositoryFactory)('ftp://192.0.2.1/x').catch((e: unknown) => e as Error);
    expect((error as Error).message).toBe(
      `Option "password" (ORRERY_FTP_PASSWORD) of plugin @orrery/plugin-ftp (in ${path.join(dir, 'orrery.config.json')}) must be a string, got (hidden).`,
    );
    expect((error as Error).message).not.toContain('12345678');
    await disposeContainer(container);
  });
});
