import { getTestService, registerTestService, registeredTestServices, type TestService } from '@orrery/testkit';
import { SSHD_PASSWORD_SERVICE, SSHD_SERVICE } from '../../../packages/testkit/src/services/sshd-service.js';

/**
 * The sshd the SFTP tests use: `ORRERY_TEST_SFTP_URL`, else one the harness starts from
 * /usr/sbin/sshd. testkit's registry lists only PostgreSQL and Redis by default, so the sftp
 * definition is registered here when it is not yet.
 */
export async function sftpTestService(): Promise<TestService> {
  if (!registeredTestServices().includes(SSHD_SERVICE.name)) registerTestService(SSHD_SERVICE);
  return getTestService(SSHD_SERVICE.name);
}

/**
 * An SFTP server that takes a password: `ORRERY_TEST_SFTP_PASSWORD_URL`, else a harness sshd with
 * a throwaway password account (needs root). The URL carries the user and the password.
 */
export async function sftpPasswordTestService(): Promise<TestService> {
  if (!registeredTestServices().includes(SSHD_PASSWORD_SERVICE.name)) registerTestService(SSHD_PASSWORD_SERVICE);
  return getTestService(SSHD_PASSWORD_SERVICE.name);
}

/** The service URL with `child` appended to its path (query parameters kept). */
export function urlWithChild(serviceUrl: string, child: string): string {
  const url = new URL(serviceUrl);
  url.pathname = `${url.pathname.replace(/\/+$/, '')}/${child}`;
  return url.toString();
}
