import { defineModelRegistryStore } from '@orrery/core';
import { RestModelRegistryStore } from './rest-model-registry-store.js';

/** The REST registry store for `http(s)://` registry URIs (an `orrery server` or MLflow server). */
export default defineModelRegistryStore({
  schemes: ['http', 'https'],
  async create({ uri }) {
    return new RestModelRegistryStore(uri);
  },
});
