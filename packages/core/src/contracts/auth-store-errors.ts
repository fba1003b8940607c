/**
 * The errors every AuthStore throws, worded once: MLflow's basic-auth store messages (so MLflow
 * clients and scripts matching them keep working) and ours for what MLflow does not have. They
 * name the username, resource or id, never a hash, SQL or driver text.
 */
import { errors, type OrreryError } from '../errors/orrery-error.js';

export const authStoreErrors = {
  userNotFound: (username: string): OrreryError => errors.notFound(`User with username=${username} not found`),
  userIdNotFound: (id: number): OrreryError => errors.notFound(`User with id=${id} not found`),
  userExists: (username: string): OrreryError => errors.alreadyExists(`User (username=${username}) already exists.`),
  experimentPermissionNotFound: (experimentId: string, username: string): OrreryError =>
    errors.notFound(`Experiment permission with experiment_id=${experimentId} and username=${username} not found`),
  experimentPermissionExists: (experimentId: string, username: string): OrreryError =>
    errors.alreadyExists(`Experiment permission (experiment_id=${experimentId}, username=${username}) already exists.`),
  registeredModelPermissionNotFound: (name: string, username: string): OrreryError =>
    errors.notFound(`Registered model permission with name=${name} and username=${username} not found`),
  registeredModelPermissionExists: (name: string, username: string): OrreryError =>
    errors.alreadyExists(`Registered model permission (name=${name}, username=${username}) already exists.`),
  tokenNotFound: (id: string): OrreryError => errors.notFound(`API token with id=${id} not found`),
  tokenExists: (id: string): OrreryError => errors.alreadyExists(`API token (id=${id}) already exists.`),
  closed: (): OrreryError => errors.invalidState('The auth store is closed.'),
} as const;
