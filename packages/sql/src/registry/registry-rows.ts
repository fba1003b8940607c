/** The SQL registry's column lists (records and their mapping to entities are core's `registry-records`). */
export const REGISTERED_MODEL_COLUMNS = 'rm.name, rm.creation_time, rm.last_updated_time, rm.description, rm.user_id';
export const MODEL_VERSION_COLUMNS =
  'mv.name, mv.version, mv.creation_time, mv.last_updated_time, mv.description, mv.user_id, mv.current_stage, ' +
  'mv.source, mv.storage_location, mv.run_id, mv.run_link, mv.status, mv.status_message';

