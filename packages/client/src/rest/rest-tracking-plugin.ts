import { defineTrackingStore } from '@orrery/core';
import { RestTrackingStore } from './rest-tracking-store.js';

/** The REST tracking store for `http(s)://` tracking URIs (an `orrery server` or MLflow server). */
export default defineTrackingStore({
  schemes: ['http', 'https'],
  async create({ uri }) {
    return new RestTrackingStore(uri);
  },
});
