/** This package's version, written into MLmodel files as `orrery_version`. */
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
export const ORRERY_VERSION: string = (require('../package.json') as { version: string }).version;
