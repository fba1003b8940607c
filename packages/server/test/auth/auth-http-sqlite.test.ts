import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll } from 'vitest';
import { openSqliteAuthStore } from '@orrery/plugin-sqlite';
import { describeAuthHttpSuite } from './auth-http-suite.js';

const dir = mkdtempSync(path.join(tmpdir(), 'orrery-auth-sqlite-'));
let n = 0;
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describeAuthHttpSuite('sqlite', () => openSqliteAuthStore(`sqlite:///${path.join(dir, `auth-${(n += 1)}.db`)}`));
