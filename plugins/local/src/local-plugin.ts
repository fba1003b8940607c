import { defineArtifactRepository } from '@orrery/core';
import { LocalArtifactRepository } from './local-artifact-repository.js';

/** Roots this process has swept for dead uploads' temporary files: once per root is enough. */
const sweptRoots = new Set<string>();
/**
 * A server opens one repository per run it lists, so the set is bounded: forgetting means at most
 * one more (cheap, background) sweep of a run's folder.
 */
const MAX_REMEMBERED_ROOTS = 10_000;

/**
 * The `file` artifact repository: `file://` URIs and plain local paths. The first time a process
 * opens a root, the temporary files of uploads that died with their process are swept away below
 * it, in the background (see `LocalArtifactRepository.sweepStaleUploads`); listings clear the ones
 * they come across after that.
 */
export default defineArtifactRepository({
  schemes: ['file'],
  async create({ uri, logger }) {
    const repository = new LocalArtifactRepository(uri);
    if (!sweptRoots.has(repository.rootDir)) {
      if (sweptRoots.size >= MAX_REMEMBERED_ROOTS) sweptRoots.clear();
      sweptRoots.add(repository.rootDir);
      repository.sweepStaleUploads().then(
        (removed) => {
          if (removed > 0) logger.info({ removed }, 'removed temporary files of uploads that died with their process');
        },
        (error: unknown) => logger.warn({ err: error }, 'could not sweep temporary upload files'),
      );
    }
    return repository;
  },
});
