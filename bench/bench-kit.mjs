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
export function httpClient(port, sockets = 1) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: sockets });
  const request = (method, urlPath, body) =>
    new Promise((resolve, reject) => {
      const headers = body === undefined ? {} : { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) };
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
      const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
      const close = stat.lastIndexOf(')');
      const command = stat.slice(stat.indexOf('(') + 1, close);
      const fields = stat.slice(close + 2).split(' ');
      seen.set(pid, { command, ticks: Number(fields[11]) + Number(fields[12]) });
    } catch {
      // The process ended while we looked.
    }
  }
  return seen;
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
