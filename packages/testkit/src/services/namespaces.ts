import { randomBytes } from 'node:crypto';

let counter = 0;

/**
 * A fresh name no other test (in this or another process) will pick. It is lowercase letters
 * and digits only, starts with a letter and stays within 63 characters, so one value works as a
 * PostgreSQL database or schema name, a Redis key prefix, an Azure container name and a folder
 * name. The prefix is reduced to those characters (and cut to 24) so it stays readable in
 * leftovers, e.g. `uniqueNamespace('pg')` → `pgmi3k2x1c0a7f3e9`.
 */
export function uniqueNamespace(prefix = 'orrery'): string {
  let head = prefix.toLowerCase().replace(/[^a-z0-9]/g, '').slice(0, 24);
  if (!/^[a-z]/.test(head)) head = `t${head}`.slice(0, 24);
  counter += 1;
  const time = Date.now().toString(36);
  const process36 = (process.pid % 1296).toString(36).padStart(2, '0');
  const random = randomBytes(4).readUInt32BE(0).toString(36).padStart(7, '0');
  return `${head}${time}${process36}${counter.toString(36)}${random}`;
}
