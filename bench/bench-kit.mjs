// Pieces every benchmark script uses: number formatting, percentiles, a free loopback port and a
// keep-alive JSON client for the REST API. Loopback only; nothing here asserts anything.
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';

/** An integer with thousands separators. */
export const fmt = (n) => Math.round(n).toLocaleString('en-US');

/** The p-th percentile (nearest rank) of an ascending array. */
export function percentile(sorted, p) {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

/** The median of numbers in any order (the mean of the two middle ones for an even count). */
export function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length / 2;
  return sorted.length % 2 ? sorted[(sorted.length - 1) / 2] : (sorted[middle - 1] + sorted[middle]) / 2;
}

/** A port the kernel just handed out on loopback; the server binds it right after. */
export function freePort() {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address();
      probe.close(() => resolve(port));
    });
  });
}

/**
 * A keep-alive client for `/api/2.0/mlflow` on 127.0.0.1:`port` with up to `sockets` connections.
 * `post` takes an object or an already-serialized JSON string; a non-200 answer rejects.
 */
export function httpClient(port, sockets = 1, extraHeaders = {}) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: sockets });
  const request = (method, urlPath, body) =>
    new Promise((resolve, reject) => {
      const headers = { ...extraHeaders, ...(body === undefined ? {} : { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) }) };
      const req = http.request({ host: '127.0.0.1', port, method, path: urlPath, agent, headers }, (res) => {
        const chunks = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          if (res.statusCode !== 200) reject(new Error(`${method} ${urlPath} → ${res.statusCode}: ${text.slice(0, 300)}`));
          else resolve(text === '' ? {} : JSON.parse(text));
        });
        res.on('error', reject);
      });
      req.on('error', reject);
      req.end(body);
    });
  return {
    post: (p, json) => request('POST', `/api/2.0/mlflow${p}`, typeof json === 'string' ? json : JSON.stringify(json)),
    get: (p) => request('GET', `/api/2.0/mlflow${p}`),
    close: () => agent.destroy(),
  };
}

/**
 * CPU seconds (user + system) used so far by every live process on this machine, summed by
 * command name (`postgres`, `node`, ...), from /proc. Take one before and one after a phase and
 * pass both to `cpuSpent`: processes that started or ended in between count for what they were
 * seen to use. Linux only; elsewhere an empty map.
 */
export function cpuByCommand() {
  const seen = new Map();
  let entries = [];
  try {
    entries = fs.readdirSync('/proc').filter((name) => /^\d+$/.test(name));
  } catch {
    return seen;
  }
  for (const pid of entries) {
    try {
      seen.set(pid, processCpu(pid));
    } catch {
      // The process ended while we looked.
    }
  }
  return seen;
}

/** A process's command name and the CPU ticks (user + system, 100 per second) it used so far, from /proc. */
export function processCpu(pid) {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  const close = stat.lastIndexOf(')');
  const fields = stat.slice(close + 2).split(' ');
  return { command: stat.slice(stat.indexOf('(') + 1, close), ticks: Number(fields[11]) + Number(fields[12]) };
}

/** CPU seconds per command name between two `cpuByCommand` snapshots (100 ticks per second). */
export function cpuSpent(before, after) {
  const spent = new Map();
  for (const [pid, { command, ticks }] of after) {
    const earlier = before.get(pid);
    const delta = earlier && earlier.command === command ? ticks - earlier.ticks : ticks;
    if (delta > 0) spent.set(command, (spent.get(command) ?? 0) + delta / 100);
  }
  return spent;
}

/**
 * A POST to `/api/2.0/mlflow<urlPath>` on 127.0.0.1 as the bytes of one HTTP/1.1 keep-alive
 * request, built once, for `rawHttpConnection(port).send` (a load generator's way: the request is
 * made before the clock starts, so sending it costs the client one socket write).
 */
export function rawPostRequest(urlPath, json) {
  const body = Buffer.from(typeof json === 'string' ? json : JSON.stringify(json));
  const head = `POST /api/2.0/mlflow${urlPath} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: keep-alive\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n`;
  return Buffer.concat([Buffer.from(head), body]);
}

/**
 * One keep-alive connection sending prebuilt requests one at a time. `send` resolves with the
 * response body once the whole response (Content-Length framed, as the server answers) is in,
 * and rejects on any status but 200 or a response it cannot frame: a wrong answer is never counted.
 */
export async function rawHttpConnection(port) {
  const socket = net.connect(port, '127.0.0.1');
  await new Promise((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  socket.setNoDelay(true);
  let pending;
  let received = Buffer.alloc(0);
  const settle = () => {
    const end = received.indexOf('\r\n\r\n');
    if (end < 0 || !pending) return;
    const head = received.subarray(0, end).toString('latin1');
    const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(head)?.[1]);
    const length = /\r\ncontent-length: *(\d+)/i.exec(head);
    if (!length) {
      pending.reject(new Error(`response without Content-Length: ${head.slice(0, 200)}`));
      pending = undefined;
      return;
    }
    const total = end + 4 + Number(length[1]);
    if (received.length < total) return;
    const body = received.subarray(end + 4, total).toString('utf8');
    received = received.subarray(total);
    const { resolve, reject } = pending;
    pending = undefined;
    if (status === 200) resolve(body);
    else reject(new Error(`HTTP ${status}: ${body.slice(0, 300)}`));
  };
  socket.on('data', (chunk) => {
    received = received.length === 0 ? chunk : Buffer.concat([received, chunk]);
    settle();
  });
  socket.on('error', (error) => pending?.reject(error));
  return {
    send(request) {
      if (pending) throw new Error('one request at a time per connection');
      return new Promise((resolve, reject) => {
        pending = { resolve, reject };
        socket.write(request);
      });
    },
    close: () => socket.end(),
  };
}
