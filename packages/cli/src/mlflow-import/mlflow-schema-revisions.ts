/**
 * The alembic revisions of MLflow 2.x's SQL schema, oldest first (read from MLflow's
 * `mlflow/store/db_migrations/versions/` up to 2.17.2). `orrery import` reads any of them; a
 * revision not listed (MLflow 3, or a later 2.x) is refused by name rather than guessed at.
 */
export const MLFLOW_SCHEMA_REVISIONS = [
  '451aebb31d03',
  '90e64c465722',
  '181f10493468',
  'df50e92ffc5e',
  '7ac759974ad8',
  '89d4b8295536',
  '2b4d017a5e9b',
  'cfd24bdc0731',
  '0a8213491aaa',
  '728d730b5ebd',
  '27a6a02d2cf1',
  '84291f40a231',
  'a8c4a736bde6',
  '39d1c3be5f05',
  'c48cb773bb87',
  'bd07f7e963c5',
  '0c779009ac13',
  'cc1f77228345',
  '97727af70f4d',
  '3500859a5d39',
  '7f2a7d5fae7d',
  '2d6e25af4d3e',
  'acf3f17fdcc7', // head of MLflow 2.12.2
  '867495a8f9d4', // trace tables (2.14)
  '5b0e9adcef9c',
  '4465047574b1',
  'f5a4f2784254', // head of MLflow 2.17.2
] as const;

/** Revisions from which the tables the importer reads all exist (datasets and inputs arrived in 7f2a7d5fae7d). */
export function revisionIndex(revision: string): number {
  return (MLFLOW_SCHEMA_REVISIONS as readonly string[]).indexOf(revision);
}
