import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isOrreryError, type TrackingStore } from '@orrery/core';
import { openSqliteTrackingStore } from '@orrery/plugin-sqlite';
import { LocalArtifactRepository } from '@orrery/plugin-local';
import { createServer } from '@orrery/server';

type FastifyInstance = ReturnType<typeof createServer>;
import { RestArtifactRepository, RestTrackingStore, transportOptionsFromEnv } from '../../src/rest/index.js';

/** Files of a throwaway PKI made with openssl: a CA, a server certificate for 127.0.0.1 and a client certificate. */
interface Pki {
  caCert: string;
  serverCert: string;
  serverKey: string;
  clientCert: string;
  clientKey: string;
  /** Client certificate and key in one PEM file (MLflow's single-file form). */
  clientCombined: string;
}

function openssl(dir: string, ...args: string[]): void {
  execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
}

async function makePki(dir: string): Promise<Pki> {
  const file = (name: string) => path.join(dir, name);
  openssl(dir, 'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', '/CN=Orrery Test CA', '-keyout', 'ca.key', '-out', 'ca.crt');
  const sign = async (name: string, subject: string, extensions: string) => {
    openssl(dir, 'req', '-newkey', 'rsa:2048', '-nodes', '-subj', subject, '-keyout', `${name}.key`, '-out', `${name}.csr`);
    await writeFile(file(`${name}.ext`), extensions);
    openssl(dir, 'x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-days', '2', '-extfile', `${name}.ext`, '-out', `${name}.crt`);
  };
  await sign('server', '/CN=127.0.0.1', 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n');
  await sign('client', '/CN=orrery-client', 'extendedKeyUsage=clientAuth\n');
  await writeFile(file('client-combined.pem'), Buffer.concat([await readFile(file('client.crt')), await readFile(file('client.key'))]));
  return {
    caCert: file('ca.crt'),
    serverCert: file('server.crt'),
    serverKey: file('server.key'),
    clientCert: file('client.crt'),
    clientKey: file('client.key'),
    clientCombined: file('client-combined.pem'),
  };
}

/** The Orrery server's routes behind a real HTTPS listener on 127.0.0.1. */
async function listenHttps(app: FastifyInstance, pki: Pki, requireClientCert: boolean): Promise<{ url: string; server: https.Server }> {
  await app.ready();
  const server = https.createServer(
    {
      key: await readFile(pki.serverKey),
      cert: await readFile(pki.serverCert),
      ...(requireClientCert ? { ca: await readFile(pki.caCert), requestCert: true, rejectUnauthorized: true } : {}),
    },
    (request, response) => app.routing(request, response),
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `https://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

async function failure(action: Promise<unknown>): Promise<{ code: string; message: string }> {
  try {
    await action;
  } catch (error) {
    if (isOrreryError(error)) return { code: error.code, message: error.message };
    throw error;
  }
  throw new Error('expected the call to fail');
}

describe('REST transport over TLS', () => {
  let dir: string;
  let pki: Pki;
  let store: TrackingStore;
  let app: FastifyInstance;
  let plain: { url: string; server: https.Server };
  let mutual: { url: string; server: https.Server };

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'orrery-tls-'));
    pki = await makePki(dir);
    store = await openSqliteTrackingStore(`sqlite:///${path.join(dir, 'orrery.db')}`, { defaultArtifactRoot: 'mlflow-artifacts:/' });
    app = createServer({
      trackingStore: store,
      openArtifactRepository: async (uri) => new LocalArtifactRepository(uri),
      artifactsDestination: pathToFileURL(path.join(dir, 'artifacts')).href,
      defaultArtifactRoot: 'mlflow-artifacts:/',
    });
    plain = await listenHttps(app, pki, false);
    mutual = await listenHttps(app, pki, true);
  });

  afterAll(async () => {
    for (const { server } of [plain, mutual]) {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
    await app.close();
    await store.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('refuses a server certificate it cannot verify, at once and with a hint', async () => {
    let connections = 0;
    const count = () => (connections += 1);
    plain.server.on('connection', count);
    const rest = new RestTrackingStore(plain.url, { maxRetries: 3, backoffMs: 1 });
    const error = await failure(rest.getExperiment('0'));
    expect(error.code).toBe('UNAUTHENTICATED');
    expect(error.message).toMatch(/TLS handshake failed \((UNABLE_TO_VERIFY_LEAF_SIGNATURE|UNABLE_TO_GET_ISSUER_CERT_LOCALLY|SELF_SIGNED_CERT_IN_CHAIN)\)/);
    expect(error.message).toContain('TRACKING_SERVER_CERT_PATH');
    // Not retried: the same certificate would be refused again.
    plain.server.off('connection', count);
    expect(connections).toBe(1);
  });

  it('trusts the server with a CA file, and skips verification when told to', async () => {
    const trusted = new RestTrackingStore(plain.url, { tls: { caCertPath: pki.caCert } });
    const experimentId = await trusted.createExperiment({ name: 'over-tls' });
    expect((await trusted.getExperiment(experimentId)).name).toBe('over-tls');
    const insecure = new RestTrackingStore(plain.url, { tls: { insecure: true } });
    expect((await insecure.getExperiment(experimentId)).name).toBe('over-tls');
  });

  it('streams artifacts through the proxy over TLS', async () => {
    const repository = new RestArtifactRepository(`${plain.url}/api/2.0/mlflow-artifacts/artifacts/tls-run`, { tls: { caCertPath: pki.caCert } });
    const local = path.join(dir, 'hello.txt');
    await writeFile(local, 'hello over tls');
    await repository.logArtifact(local, 'docs');
    expect(await repository.listArtifacts('docs')).toEqual([{ path: 'docs/hello.txt', isDir: false, fileSize: 14 }]);
    const chunks: Buffer[] = [];
    for await (const chunk of await repository.readArtifactStream('docs/hello.txt')) chunks.push(Buffer.from(chunk as Uint8Array));
    expect(Buffer.concat(chunks).toString('utf8')).toBe('hello over tls');
  });

  it('presents a client certificate to a server that requires one (separate key file or one combined file)', async () => {
    const without = await failure(new RestTrackingStore(mutual.url, { maxRetries: 0, tls: { caCertPath: pki.caCert } }).getExperiment('0'));
    expect(['UNAUTHENTICATED', 'TEMPORARILY_UNAVAILABLE']).toContain(without.code);
    const separate = new RestTrackingStore(mutual.url, { tls: { caCertPath: pki.caCert, clientCertPath: pki.clientCert, clientKeyPath: pki.clientKey } });
    expect((await separate.getExperiment('0')).name).toBe('Default');
    const combined = new RestTrackingStore(mutual.url, { tls: { caCertPath: pki.caCert, clientCertPath: pki.clientCombined } });
    expect((await combined.getExperiment('0')).name).toBe('Default');
  });

  it("reads MLflow's variables (ORRERY_ first) and refuses contradictory or unreadable settings", async () => {
    expect(
      transportOptionsFromEnv({
        MLFLOW_TRACKING_INSECURE_TLS: 'true',
        MLFLOW_TRACKING_CLIENT_CERT_PATH: '/m/client.pem',
        ORRERY_TRACKING_CLIENT_CERT_PATH: '/o/client.pem',
        ORRERY_TRACKING_CLIENT_KEY_PATH: '/o/client.key',
      }).tls,
    ).toEqual({ insecure: true, clientCertPath: '/o/client.pem', clientKeyPath: '/o/client.key' });
    expect(transportOptionsFromEnv({ MLFLOW_TRACKING_SERVER_CERT_PATH: pki.caCert }).tls).toEqual({ caCertPath: pki.caCert });
    expect(transportOptionsFromEnv({ MLFLOW_TRACKING_INSECURE_TLS: 'false' }).tls).toBeUndefined();
    const fromEnv = new RestTrackingStore(plain.url, transportOptionsFromEnv({ MLFLOW_TRACKING_SERVER_CERT_PATH: pki.caCert }));
    expect((await fromEnv.getExperiment('0')).name).toBe('Default');

    expect(() => new RestTrackingStore(plain.url, { tls: { insecure: true, caCertPath: pki.caCert } })).toThrow(/cannot both be set/);
    expect(() => new RestTrackingStore(plain.url, { tls: { caCertPath: path.join(dir, 'missing.pem') } })).toThrow(/Cannot read the server CA certificate file/);
    expect(() => transportOptionsFromEnv({ ORRERY_TRACKING_INSECURE_TLS: 'maybe' })).toThrow(/expected true or false/);
  });
});
