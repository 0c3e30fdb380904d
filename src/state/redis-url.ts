import { ConfigError } from '../errors.ts';

/** One host of a Redis Cluster seed list or a Sentinel list. */
export interface RedisNode {
  readonly host: string;
  readonly port: number;
}

/** Credentials and TLS shared by the three forms; never printed. */
interface RedisAuth {
  readonly username: string | undefined;
  readonly password: string | undefined;
  readonly tls: boolean;
}

/** Where the shared state lives: one server (a plain URL ioredis reads itself), a cluster or a sentinel group. */
export type RedisTarget =
  | { readonly kind: 'single'; readonly url: string }
  | (RedisAuth & { readonly kind: 'cluster'; readonly nodes: readonly RedisNode[] })
  | (RedisAuth & {
      readonly kind: 'sentinel';
      readonly sentinels: readonly RedisNode[];
      readonly name: string;
      readonly db: number;
    });

const MAX_NODES = 32;
const MAX_URL = 2_048;

/**
 * Parse a `state.url` naming Redis:
 * - `redis://[user:pass@]host[:port][/db]` and `rediss://…` (TLS): one server;
 * - `redis+cluster://[user:pass@]h1:p1,h2:p2` (`rediss+cluster://`): Redis Cluster seed nodes;
 * - `redis+sentinel://[user:pass@]h1:p1,h2:p2/mymaster[/db]` (`rediss+sentinel://`): the master
 *   named `mymaster`, found through these sentinels (credentials are the master's).
 * Ports default to 6379 (26379 for sentinels). Throws a ConfigError that never repeats the password.
 */
export function parseRedisUrl(url: string): RedisTarget {
  if (url.length > MAX_URL) throw bad('is too long');
  const sep = url.indexOf('://');
  if (sep < 0) throw bad('has no scheme (expected redis://, redis+cluster:// or redis+sentinel://)');
  const scheme = url.slice(0, sep).toLowerCase();
  if (scheme === 'redis' || scheme === 'rediss') {
    if (url.length === sep + 3) throw bad('names no host');
    return { kind: 'single', url };
  }
  const tls = scheme.startsWith('rediss+');
  const mode = scheme.slice(scheme.indexOf('+') + 1);
  if (!(scheme.startsWith('redis+') || tls) || (mode !== 'cluster' && mode !== 'sentinel'))
    throw bad(`has an unknown scheme "${scheme.slice(0, 32)}"`);
  let rest = url.slice(sep + 3);
  let username: string | undefined;
  let password: string | undefined;
  const at = rest.lastIndexOf('@');
  if (at >= 0) {
    const cred = rest.slice(0, at);
    rest = rest.slice(at + 1);
    const colon = cred.indexOf(':');
    const user = colon < 0 ? cred : cred.slice(0, colon);
    username = user === '' ? undefined : decode(user, 'user name');
    password = colon < 0 ? undefined : decode(cred.slice(colon + 1), 'password');
  }
  const slash = rest.indexOf('/');
  const hosts = slash < 0 ? rest : rest.slice(0, slash);
  const path = slash < 0 ? '' : rest.slice(slash + 1);
  const nodes = parseNodes(hosts, mode === 'sentinel' ? 26_379 : 6_379);
  if (mode === 'cluster') {
    if (path !== '') throw bad('is a cluster URL: it takes no /path (a cluster has only db 0)');
    return { kind: 'cluster', nodes, username, password, tls };
  }
  const parts = path.split('/');
  const name = parts[0] ?? '';
  if (!/^[A-Za-z0-9_.-]{1,64}$/.test(name)) throw bad('needs the master name after the hosts: /mymaster');
  let db = 0;
  if (parts.length > 2 || (parts.length === 2 && parts[1] !== '')) {
    const d = parts[1] ?? '';
    if (parts.length > 2 || !/^[0-9]{1,2}$/.test(d)) throw bad('has a db that is not a number 0–99');
    db = Number(d);
  }
  return { kind: 'sentinel', sentinels: nodes, name, db, username, password, tls };
}

function parseNodes(list: string, defaultPort: number): RedisNode[] {
  if (list === '') throw bad('names no host');
  const items = list.split(',');
  if (items.length > MAX_NODES) throw bad(`names more than ${MAX_NODES} hosts`);
  return items.map((item) => {
    let host: string;
    let portText: string | undefined;
    if (item.startsWith('[')) {
      const end = item.indexOf(']');
      if (end < 0) throw bad('has an IPv6 host without its closing ]');
      host = item.slice(1, end);
      const after = item.slice(end + 1);
      if (after !== '' && !after.startsWith(':')) throw bad('has junk after an IPv6 host');
      portText = after === '' ? undefined : after.slice(1);
      if (!/^[0-9A-Fa-f:.]{2,45}$/.test(host)) throw bad('has an invalid IPv6 host');
    } else {
      const colon = item.indexOf(':');
      host = colon < 0 ? item : item.slice(0, colon);
      portText = colon < 0 ? undefined : item.slice(colon + 1);
      if (!/^[A-Za-z0-9.-]{1,253}$/.test(host)) throw bad('has an empty or invalid host name');
    }
    let port = defaultPort;
    if (portText !== undefined) {
      if (!/^[0-9]{1,5}$/.test(portText)) throw bad('has a port that is not a number');
      port = Number(portText);
      if (port < 1 || port > 65_535) throw bad('has a port outside 1–65535');
    }
    return { host, port };
  });
}

function decode(s: string, what: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    throw bad(`has a badly percent-encoded ${what}`);
  }
}

function bad(problem: string): ConfigError {
  return new ConfigError(`the Redis URL ${problem}`, { key: 'state.url' });
}
