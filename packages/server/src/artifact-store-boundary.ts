/**
 * What clients learn when an artifact store the server opened fails. The plugins' messages are
 * written for the person who configured the store (they name the host, port, user, remote or local
 * root), which is right in a CLI but must not reach an HTTP client: it would show the server's
 * network and file system, and different texts would let a client probe which ports are open.
 * So every repository the server opens is wrapped here:
 * - failures of the store itself (5xx, and the store refusing the server's own login or access:
 *   UNAUTHENTICATED, PERMISSION_DENIED) are logged in full and answered with one fixed message;
 * - failures about the request (a missing artifact, a path that names a directory, ...) keep their
 *   code and message, with the opened location's URI, host:port and local directory replaced by
 *   "the artifact store";
 * - a failure to open the store at all is always the fixed message.
 */
import type { FastifyBaseLogger } from 'fastify';
import { OrreryError, isOrreryError, localPathFromArtifactUri, redactUri, type ArtifactRepository, type ErrorCode } from '@orrery/core';

/** The one message a client gets when the artifact store fails on the server's side. */
export const ARTIFACT_STORE_UNAVAILABLE = 'The artifact store is unavailable; see the server log.';

/** Codes that say the store failed the server (its login, its rights, its health), not the request. */
const STORE_SIDE_CODES = new Set<ErrorCode>(['UNAUTHENTICATED', 'PERMISSION_DENIED']);

/** How repositories name their own root in messages (`displayUri`, `rootDir`, ...), read where present. */
const SELF_DESCRIPTIONS = ['rootUri', 'displayUri', 'shownUri', 'rootDir'] as const;

/** The strings in a plugin message that would reveal where `uri` (opened as `repository`) is. */
function locationMarkers(uri: string, repository?: ArtifactRepository): string[] {
  const markers = new Set<string>([uri, redactUri(uri)]);
  for (const name of SELF_DESCRIPTIONS) {
    const value: unknown = repository === undefined ? undefined : Reflect.get(repository, name);
    if (typeof value === 'string') markers.add(value);
  }
  const withoutQuery = uri.replace(/[?#].*$/, '');
  markers.add(withoutQuery);
  markers.add(redactUri(withoutQuery));
  const authority = /^[a-zA-Z][a-zA-Z0-9+.-]*:\/\/(?:[^/?#]*@)?([^/?#]*)/.exec(uri)?.[1];
  if (authority !== undefined && authority !== '') {
    markers.add(authority);
    const host = authority.replace(/:\d*$/, '').replace(/^\[(.*)\]$/, '$1');
    // A bare host name is also how the plugins name it ("the SFTP server h:22", "127.0.0.1").
    if (host.length >= 3) markers.add(host);
  }
  if (/^file:/i.test(uri) || !/^[a-zA-Z][a-zA-Z0-9+.-]+:/.test(uri)) {
    try {
      markers.add(localPathFromArtifactUri(uri));
    } catch {
      // Not a usable local path: nothing of it can appear in a message.
    }
  }
  // Longest first, so a URI is replaced whole before its host is.
  return [...markers].filter((marker) => marker !== '').sort((a, b) => b.length - a.length);
}

/** The error a client sees for `error`, thrown by the repository at `uri`. */
export function publicArtifactError(
  error: unknown,
  uri: string,
  logger: FastifyBaseLogger,
  operation: string,
  repository?: ArtifactRepository,
): OrreryError {
  if (isOrreryError(error) && error.httpStatus < 500 && !STORE_SIDE_CODES.has(error.code)) {
    let message = error.message;
    for (const marker of locationMarkers(uri, repository)) message = message.split(marker).join('the artifact store');
    return new OrreryError(error.code, message, { cause: error });
  }
  logger.error({ err: error, artifactStore: redactUri(uri), operation }, 'artifact store failed');
  const code: ErrorCode = isOrreryError(error) && error.code === 'TEMPORARILY_UNAVAILABLE' ? 'TEMPORARILY_UNAVAILABLE' : 'INTERNAL_ERROR';
  return new OrreryError(code, ARTIFACT_STORE_UNAVAILABLE);
}

/** Wraps every method of `repository` so that what it throws goes through `publicArtifactError`. */
export function guardArtifactRepository(repository: ArtifactRepository, uri: string, logger: FastifyBaseLogger): ArtifactRepository {
  const wrapped = new Map<PropertyKey, unknown>();
  return new Proxy(repository, {
    get(object, property) {
      const value: unknown = Reflect.get(object, property, object);
      if (typeof value !== 'function') return value;
      let wrapper = wrapped.get(property);
      if (wrapper === undefined) {
        const operation = String(property);
        wrapper = async (...args: unknown[]): Promise<unknown> => {
          try {
            return await (value as (...a: unknown[]) => unknown).apply(object, args);
          } catch (error) {
            throw publicArtifactError(error, uri, logger, operation, repository);
          }
        };
        wrapped.set(property, wrapper);
      }
      return wrapper;
    },
  });
}

/** Opens a repository for the server; a failure to open is logged and answered with the fixed message. */
export async function openGuardedRepository(
  open: (uri: string) => Promise<ArtifactRepository>,
  uri: string,
  logger: FastifyBaseLogger,
): Promise<ArtifactRepository> {
  let repository: ArtifactRepository;
  try {
    repository = await open(uri);
  } catch (error) {
    logger.error({ err: error, artifactStore: redactUri(uri) }, 'cannot open the artifact store');
    const code: ErrorCode = isOrreryError(error) && error.code === 'TEMPORARILY_UNAVAILABLE' ? 'TEMPORARILY_UNAVAILABLE' : 'INTERNAL_ERROR';
    throw new OrreryError(code, ARTIFACT_STORE_UNAVAILABLE);
  }
  return guardArtifactRepository(repository, uri, logger);
}
