/** Which grammar to apply: runs, experiments, registered models or model versions. */
export type SearchEntity = 'run' | 'experiment' | 'registeredModel' | 'modelVersion';

export const SEARCH_ENTITIES: readonly SearchEntity[] = ['run', 'experiment', 'registeredModel', 'modelVersion'];
