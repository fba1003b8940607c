import { afterAll, beforeAll } from 'vitest';
import { FtpArtifactRepository } from '@orrery/plugin-ftp';
import { type TestService, runArtifactRepositoryConformance } from '@orrery/testkit';
import { ftpUrlWithFreshDirectory, getFtpTestService } from '../../../packages/testkit/src/services/ftp-service.js';

let service: TestService;

beforeAll(async () => {
  service = await getFtpTestService();
});

afterAll(async () => {
  await service?.stop();
});

runArtifactRepositoryConformance({
  name: 'ftp (pure-ftpd, passive mode)',
  open: async () => {
    const uri = ftpUrlWithFreshDirectory(service.url);
    return {
      repo: new FtpArtifactRepository(uri),
      cleanup: async () => {
        const janitor = new FtpArtifactRepository(uri);
        try {
          await janitor.deleteArtifacts();
        } finally {
          await janitor.close();
        }
      },
    };
  },
});
