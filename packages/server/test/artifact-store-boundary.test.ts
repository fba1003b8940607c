import { describe, expect, it } from 'vitest';
import { OrreryError, type ArtifactRepository } from '@orrery/core';
import { recordingLogger } from '@orrery/testkit';
import type { FastifyBaseLogger } from 'fastify';
import { ARTIFACT_STORE_UNAVAILABLE, guardArtifactRepository } from '../src/artifact-store-boundary.js';

/** A repository that fails every listing with `error`, and names its root as the Azure plugin does. */
function failingRepository(error: Error): ArtifactRepository {
  return {
    displayUri: 'wasbs://models@acct.blob.core.windows.net/runs',
    listArtifacts: async () => {
      throw error;
    },
  } as unknown as ArtifactRepository;
}

describe('the artifact store boundary', () => {
  const uri = 'https://acct.blob.core.windows.net/models/runs';

  it("keeps a request failure's code and message but not the store's location", async () => {
    const logger = recordingLogger();
    const repository = guardArtifactRepository(
      failingRepository(new OrreryError('RESOURCE_DOES_NOT_EXIST', "Artifact 'x' does not exist in the artifact repository at 'wasbs://models@acct.blob.core.windows.net/runs'.")),
      uri,
      logger as unknown as FastifyBaseLogger,
    );
    const error = await repository.listArtifacts('x').catch((caught: unknown) => caught as OrreryError);
    expect(error).toMatchObject({ code: 'RESOURCE_DOES_NOT_EXIST', message: "Artifact 'x' does not exist in the artifact repository at 'the artifact store'." });
  });

  it.each([
    ['a refused login', new OrreryError('UNAUTHENTICATED', 'The SFTP server files.example.com:22 refused user deploy.'), 'INTERNAL_ERROR'],
    ['a refused access', new OrreryError('PERMISSION_DENIED', 'Cannot list /srv/mlruns on files.example.com.'), 'INTERNAL_ERROR'],
    ['an unreachable store', new OrreryError('TEMPORARILY_UNAVAILABLE', 'connect ECONNREFUSED 10.0.0.7:21'), 'TEMPORARILY_UNAVAILABLE'],
    ['a plain error', new Error('EACCES /var/lib/orrery/artifacts'), 'INTERNAL_ERROR'],
  ])('answers %s with the fixed message and logs the detail', async (_what, cause, code) => {
    const logger = recordingLogger();
    const repository = guardArtifactRepository(failingRepository(cause), uri, logger as unknown as FastifyBaseLogger);
    const error = await repository.listArtifacts().catch((caught: unknown) => caught as OrreryError);
    expect(error).toMatchObject({ code, message: ARTIFACT_STORE_UNAVAILABLE });
    expect(logger.records.map((record) => (record.obj as { err?: unknown }).err)).toContain(cause);
  });
});
