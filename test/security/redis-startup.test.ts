/**
 * Finding 7 of issue #15 (Redis start-up): opening a Redis store against a port that accepts
 * connections but never answers hung forever. It now gives up with TEMPORARILY_UNAVAILABLE after
 * `startup_timeout_ms` (default 10 s, as PostgreSQL's connection timeout).
 */
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { isOrreryError } from '@orrery/core';
import { openRedisModelRegistryStore, openRedisTrackingStore } from '@orrery/plugin-redis';

/** A TCP listener that accepts every connection and never writes a byte. */
async function silentListener(): Promise<{ port: number; accepted: () => number; close: () => Promise<void> }> {
  const sockets = new Set<net.Socket>();
  let accepted = 0;
  const server = net.createServer((socket) => {
    accepted += 1;
    sockets.add(socket);
    socket.on('error', () => undefined);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    accepted: () => accepted,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

describe('opening a Redis store on a port that never answers', () => {
  let listener: Awaited<ReturnType<typeof silentListener>> | undefined;
  afterEach(async () => {
    await listener?.close();
    listener = undefined;
  });

  it('gives up after startup_timeout_ms with TEMPORARILY_UNAVAILABLE naming the option', async () => {
    listener = await silentListener();
    for (const open of [
      () => openRedisTrackingStore(`redis://127.0.0.1:${listener!.port}/0?startup_timeout_ms=300`, { defaultArtifactRoot: '/tmp/never' }),
      () => openRedisModelRegistryStore(`redis://127.0.0.1:${listener!.port}/0?startup_timeout_ms=300`),
    ]) {
      const error = await open().then(
        () => undefined,
        (caught: unknown) => caught,
      );
      expect(isOrreryError(error) && error.code).toBe('TEMPORARILY_UNAVAILABLE');
      expect((error as Error).message).toContain('startup_timeout_ms');
      expect((error as Error).message).toContain(`127.0.0.1:${listener.port}`);
    }
    expect(listener.accepted()).toBeGreaterThan(0);
  });

  it('gives up by default too (after 10 s) instead of hanging', async () => {
    listener = await silentListener();
    const error = await openRedisTrackingStore(`redis://127.0.0.1:${listener.port}/0`, { defaultArtifactRoot: '/tmp/never' }).then(
      () => undefined,
      (caught: unknown) => caught,
    );
    expect(isOrreryError(error) && error.code).toBe('TEMPORARILY_UNAVAILABLE');
    expect((error as Error).message).toContain('10000 ms');
  }, 25_000);

  it('refuses a startup_timeout_ms that is not a positive integer', async () => {
    const error = await openRedisTrackingStore('redis://127.0.0.1:6379/0?startup_timeout_ms=soon', { defaultArtifactRoot: '/tmp/never' }).then(
      () => undefined,
      (caught: unknown) => caught,
    );
    expect(isOrreryError(error) && error.code).toBe('INVALID_PARAMETER_VALUE');
    expect((error as Error).message).toContain('startup_timeout_ms');
  });
});
