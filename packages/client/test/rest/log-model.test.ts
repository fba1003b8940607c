import { runLogModelChecks } from '@orrery/testkit';
import { openRestThroughLiveServer } from './live-server.js';

// log-model through HTTP: REST store → live server → tracking service → SQLite. Concurrent
// requests all land, and the embedded client's call is the same one.
runLogModelChecks({ name: 'rest → orrery server → sqlite', open: openRestThroughLiveServer });
