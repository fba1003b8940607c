/** MLflow's limits, enforced by every store before it writes. */
export const LIMITS = {
  maxEntityKeyLength: 250,
  maxParamValueLength: 6000,
  maxRunTagValueLength: 8000,
  maxExperimentTagValueLength: 5000,
  maxExperimentNameLength: 500,
  maxRegistryTagKeyLength: 250,
  maxRegistryTagValueLength: 5000,
  maxModelNameLength: 256,
  maxAliasLength: 255,
  maxDatasetNameLength: 500,
  maxDatasetDigestLength: 36,
  maxDatasetSourceLength: 65535,
  maxDatasetSchemaLength: 1048575,
  maxDatasetProfileLength: 16384,
  maxInputTagKeyLength: 255,
  maxInputTagValueLength: 500,
  /**
   * Longest LIKE or ILIKE pattern in a search filter, in characters (Orrery's own limit; MLflow
   * has none). Matching costs up to pattern × value length per row; this bounds a search's work.
   */
  maxLikePatternLength: 500,
  batch: { maxMetrics: 1000, maxParams: 100, maxTags: 100, maxEntities: 1000, maxRequestBytes: 1_000_000 },
  searchRuns: { defaultMaxResults: 1000, maxResults: 50000 },
  searchExperiments: { defaultMaxResults: 1000, maxResults: 50000 },
  metricHistory: { defaultMaxResults: 25000, maxResults: 25000 },
  metricHistoryInterval: { maxRunIds: 100, defaultMaxResults: 2500, maxResults: 2500 },
  searchRegisteredModels: { defaultMaxResults: 100, maxResults: 1000 },
  searchModelVersions: { defaultMaxResults: 10000, maxResults: 200000 },
} as const;
