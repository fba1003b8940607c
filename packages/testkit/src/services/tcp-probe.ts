import { connect, createServer } from 'node:net';

/** The outcome of one connection attempt; `reason` says why it failed, for error messages. */
export type ProbeResult = { open: true } | { open: false; reason: string };

/**
 * Tries a TCP (or Unix socket) connection and closes it at once. Never throws: a refused,
 * timed-out or failed connection is reported as `{ open: false, reason }`.
 */
export function probeConnection(
  target: { host: string; port: number } | { path: string },
  timeoutMs = 1000,
): Promise<ProbeResult> {
  return new Promise((resolve) => {
    const socket = 'path' in target ? connect({ path: target.path }) : connect({ host: target.host, port: target.port });
    let settled = false;
    const finish = (result: ProbeResult) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      resolve(result);
    };
    const timer = setTimeout(() => finish({ open: false, reason: `no answer within ${timeoutMs} ms` }), timeoutMs);
    socket.once('connect', () => finish({ open: true }));
    socket.once('error', (error: NodeJS.ErrnoException) =>
      finish({ open: false, reason: error.code === 'ECONNREFUSED' ? 'connection refused' : error.message }),
    );
  });
}

/**
 * A TCP port of 127.0.0.1 that was free a moment ago and has nothing listening on it now: for a
 * server that must be told its port in advance, or for a probe that must find nothing.
 */
export async function freeTcpPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}
