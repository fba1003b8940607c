import { readFileSync } from 'node:fs';

/** This package's version, answered by `/version`. Read once; `src/` and `dist/` sit beside package.json alike. */
export const SERVER_VERSION: string = (() => {
  try {
    const manifest = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version?: unknown };
    return typeof manifest.version === 'string' ? manifest.version : '0.0.0';
  } catch {
    return '0.0.0';
  }
})();
