import { afterAll, beforeAll } from 'vitest';
import { createLogger } from '@orrery/core';
import { runArtifactRepositoryConformance, uniqueNamespace, type TestService } from '@orrery/testkit';
import { SftpArtifactRepository } from '@orrery/plugin-sftp';
import { sftpTestService, urlWithChild } from './sftp-test-service.js';

let service: TestService;

beforeAll(async () => {
  service = await sftpTestService();
});

afterAll(async () => {
  await service?.stop();
});

runArtifactRepositoryConformance({
  name: 'sftp (OpenSSH sshd)',
  async open() {
    // A fresh directory per test, under the service's root; the repository creates it on first write.
    const root = urlWithChild(service.url, uniqueNamespace('sftp'));
    const repo = new SftpArtifactRepository(root, { logger: createLogger({ level: 'silent' }) });
    return {
      repo,
      cleanup: async () => {
        const cleaner = new SftpArtifactRepository(root, { logger: createLogger({ level: 'silent' }) });
        try {
          await cleaner.deleteArtifacts();
        } finally {
          await cleaner.close();
        }
      },
    };
  },
});
