/**
 * The MLmodel file of a model directory, as Orrery reads it: core's parsed file plus what the
 * models package needs (metadata, Orrery's own version).
 */
import type { MlmodelFile } from '@orrery/core';

/** A parsed MLmodel file. Keys Orrery does not name stay readable in `raw`. */
export interface MlModel extends MlmodelFile {
  /** `metadata`: free-form data the saver attached (MLflow 2.3+). */
  metadata?: Record<string, unknown>;
  /** `orrery_version`: the Orrery release that wrote the file (MLflow ignores unknown keys). */
  orreryVersion?: string;
}
