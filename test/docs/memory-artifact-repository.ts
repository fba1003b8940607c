// The worked example of docs/plugins.md ("3. An artifact repository"); the doc shows this file
// from the line below, and test/docs/artifact-repository-example.test.ts checks that they match
// and runs the conformance suite on it.
import { Readable } from 'node:stream';
import { ArtifactRepositoryBase, artifactDirname, errors, normalizeArtifactPath, type ArtifactFileInfo } from '@orrery/core';

/** Files in a Map keyed by artifact path: a store for demos and tests (it holds whole files in memory). */
export class MemoryArtifactRepository extends ArtifactRepositoryBase {
  private readonly files = new Map<string, Buffer>();

  constructor(readonly rootUri: string) {
    super();
  }

  async writeArtifactStream(artifactPath: string, body: Readable | AsyncIterable<Uint8Array>): Promise<void> {
    const rel = normalizeArtifactPath(artifactPath);
    if (rel === '' || this.isDirectory(rel)) throw errors.invalidParameter(`Artifact '${rel}' is a directory, not a file.`);
    for (let parent = artifactDirname(rel); parent !== ''; parent = artifactDirname(parent)) {
      if (this.files.has(parent)) throw errors.invalidParameter(`Artifact '${parent}' is a file, so nothing can be stored under it.`);
    }
    const chunks: Buffer[] = [];
    for await (const chunk of body) chunks.push(Buffer.from(chunk));
    // Stored only once the body has ended: a failed body leaves the previous file (atomic).
    this.files.set(rel, Buffer.concat(chunks));
  }

  async readArtifactStream(artifactPath: string): Promise<Readable> {
    const rel = normalizeArtifactPath(artifactPath);
    const bytes = this.files.get(rel);
    if (bytes !== undefined) return Readable.from([bytes]);
    if (rel === '' || this.isDirectory(rel)) throw errors.invalidParameter(`Artifact '${rel}' is a directory, not a file.`);
    throw errors.notFound(`Artifact '${rel}' does not exist in ${this.rootUri}.`);
  }

  async listArtifacts(artifactPath?: string): Promise<ArtifactFileInfo[]> {
    const dir = normalizeArtifactPath(artifactPath);
    const prefix = dir === '' ? '' : `${dir}/`;
    const children = new Map<string, ArtifactFileInfo>();
    for (const [name, bytes] of this.files) {
      if (!name.startsWith(prefix)) continue;
      const [child = '', ...deeper] = name.slice(prefix.length).split('/');
      const path = prefix + child;
      children.set(path, deeper.length > 0 ? { path, isDir: true } : { path, isDir: false, fileSize: bytes.length });
    }
    return [...children.values()].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  }

  async deleteArtifacts(artifactPath?: string): Promise<void> {
    const rel = normalizeArtifactPath(artifactPath);
    for (const name of [...this.files.keys()]) {
      if (rel === '' || name === rel || name.startsWith(`${rel}/`)) this.files.delete(name);
    }
  }

  private isDirectory(rel: string): boolean {
    return [...this.files.keys()].some((name) => name.startsWith(`${rel}/`));
  }
}
