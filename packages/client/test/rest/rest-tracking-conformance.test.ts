import { runTrackingStoreConformance } from '@orrery/testkit';
import { openRestThroughLiveServer } from './live-server.js';

// The suite as every store runs it, here through HTTP: REST store → live server → SQLite store.
runTrackingStoreConformance({ name: 'rest → orrery server → sqlite', open: openRestThroughLiveServer });
