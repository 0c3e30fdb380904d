/**
 * Load generators: wrk (preferred, installed from Debian when missing and running as root) or
 * autocannon through npx as the fallback. Both run as tracked children, pinned to a cpu.
 */
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { hasCommand, pinned, runChild, tail } from './procs.ts';
import type { Scenario } from './scenarios.ts';

/** One load run against one url. */
export interface LoadOptions {
  readonly url: string;
  readonly scenario: Scenario;
  /** Extra headers a row needs (credentials for a row with policies). */
  readonly headers: Readonly<Record<string, string>>;
  readonly connections: number;
  readonly threads: number;
  readonly seconds: number;
  readonly cpu: string | null;
  /** A directory for scratch files (wrk's Lua script). */
  readonly tmpDir: string;
}

/** What one load run measured. */
export interface LoadResult {
  readonly rps: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly requests: number;
  /** Responses outside 2xx (wrk: outside 2xx and 3xx). */
  readonly non2xx: number;
  /** Connect, read, write errors and timeouts. */
  readonly socketErrors: number;
}

/** A load generator the runner can drive. */
export interface LoadGenerator {
  readonly name: string;
  readonly version: string;
  run(options: LoadOptions): Promise<LoadResult>;
}

const UNIT_MS: Readonly<Record<string, number>> = { us: 0.001, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** Parses one wrk duration such as `812.00us` or `1.25ms` into milliseconds. */
function durationMs(value: string, unit: string): number {
  const factor = UNIT_MS[unit];
  if (factor === undefined) throw new Error(`wrk: unknown time unit ${unit}`);
  return Number(value) * factor;
}

/** Parses the output of `wrk --latency` (wrk 4.x). Throws when a figure is missing. */
export function parseWrk(text: string): LoadResult {
  const rps = /Requests\/sec:[ \t]+([0-9.]+)/.exec(text);
  const requests = /([0-9]+) requests in /.exec(text);
  const p50 = /^[ \t]*50(?:\.0+)?%[ \t]+([0-9.]+)([a-z]+)/m.exec(text);
  const p99 = /^[ \t]*99(?:\.0+)?%[ \t]+([0-9.]+)([a-z]+)/m.exec(text);
  if (!rps?.[1] || !requests?.[1] || !p50?.[1] || !p50[2] || !p99?.[1] || !p99[2]) {
    throw new Error(`cannot read wrk output:\n${tail(text, 20)}`);
  }
  const socket = /Socket errors: connect ([0-9]+), read ([0-9]+), write ([0-9]+), timeout ([0-9]+)/.exec(
    text,
  );
  const non2xx = /Non-2xx or 3xx responses: ([0-9]+)/.exec(text);
  const socketErrors = socket ? socket.slice(1, 5).reduce((sum, n) => sum + Number(n), 0) : 0;
  return {
    rps: Number(rps[1]),
    p50Ms: durationMs(p50[1], p50[2]),
    p99Ms: durationMs(p99[1], p99[2]),
    requests: Number(requests[1]),
    non2xx: non2xx?.[1] ? Number(non2xx[1]) : 0,
    socketErrors,
  };
}

/** A Lua long-bracket string literal; refuses text that would close it. */
function luaString(s: string): string {
  if (s.includes(']==]')) throw new Error('wrk script: value contains ]==]');
  return `[==[${s}]==]`;
}

/** The wrk Lua script that sets the scenario's method, body and headers. */
export function wrkScript(scenario: Scenario, headers: Readonly<Record<string, string>>): string {
  const lines = [`wrk.method = ${luaString(scenario.method)}`];
  if (scenario.body !== null) lines.push(`wrk.body = ${luaString(scenario.body)}`);
  for (const [name, value] of Object.entries({ ...scenario.headers, ...headers })) {
    // The spaces matter: `[[` would open a Lua long string.
    lines.push(`wrk.headers[ ${luaString(name)} ] = ${luaString(value)}`);
  }
  return `${lines.join('\n')}\n`;
}

function wrk(version: string): LoadGenerator {
  return {
    name: 'wrk',
    version,
    async run(o) {
      const script = join(o.tmpDir, `wrk-${o.scenario.key}.lua`);
      writeFileSync(script, wrkScript(o.scenario, o.headers));
      const argv = pinned(o.cpu, [
        'wrk',
        '-t',
        String(o.threads),
        '-c',
        String(o.connections),
        '-d',
        `${o.seconds}s`,
        '--latency',
        '-s',
        script,
        o.url,
      ]);
      const { code, stdout, stderr } = await runChild('wrk', argv);
      // wrk reports a broken script on stderr and then runs anyway, with the wrong requests.
      if (code !== 0 || stderr.trim() !== '') {
        throw new Error(`wrk exited with ${code}:\n${tail(stderr || stdout)}`);
      }
      return parseWrk(stdout);
    },
  };
}

/** The fields of autocannon's `--json` output the runner reads. */
interface AutocannonJson {
  requests: { average: number; total: number };
  latency: { p50: number; p99: number };
  non2xx: number;
  errors: number;
  timeouts: number;
}

function autocannon(version: string): LoadGenerator {
  return {
    name: 'autocannon',
    version,
    async run(o) {
      const argv = ['npx', '--yes', 'autocannon', '--json', '-c', String(o.connections)];
      argv.push('-d', String(o.seconds), '-m', o.scenario.method);
      if (o.threads > 1) argv.push('-w', String(o.threads));
      for (const [name, value] of Object.entries({ ...o.scenario.headers, ...o.headers })) {
        argv.push('-H', `${name}=${value}`);
      }
      if (o.scenario.body !== null) argv.push('-b', o.scenario.body);
      argv.push(o.url);
      const { code, stdout, stderr } = await runChild('autocannon', pinned(o.cpu, argv));
      if (code !== 0) throw new Error(`autocannon exited with ${code}:\n${tail(stderr || stdout)}`);
      const json = JSON.parse(stdout.slice(stdout.indexOf('{'))) as AutocannonJson;
      return {
        rps: json.requests.average,
        p50Ms: json.latency.p50,
        p99Ms: json.latency.p99,
        requests: json.requests.total,
        non2xx: json.non2xx,
        socketErrors: json.errors + json.timeouts,
      };
    },
  };
}

function wrkVersion(): string {
  const out = spawnSync('wrk', ['--version'], { encoding: 'utf8' });
  const first = `${out.stdout ?? ''}${out.stderr ?? ''}`.split('\n')[0] ?? '';
  return first.split(' ')[1] ?? 'unknown';
}

/** Installs Debian packages when running as root; returns whether apt-get succeeded. */
export function aptInstall(packages: readonly string[], log: (msg: string) => void): boolean {
  if (process.getuid?.() !== 0 || !hasCommand('apt-get')) return false;
  log(`installing ${packages.join(', ')} with apt-get`);
  const update = spawnSync('apt-get', ['update'], { stdio: ['ignore', 'ignore', 'inherit'] });
  if (update.status !== 0) return false;
  const install = spawnSync('apt-get', ['install', '-y', ...packages], {
    stdio: ['ignore', 'ignore', 'inherit'],
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
  });
  return install.status === 0;
}

/**
 * Picks the load generator: wrk when present or installable, else autocannon when npx can fetch it.
 * `prefer` forces one of them.
 */
export function findLoadGenerator(
  prefer: 'wrk' | 'autocannon' | null,
  log: (msg: string) => void,
): LoadGenerator {
  if (prefer !== 'autocannon') {
    if (hasCommand('wrk') || aptInstall(['wrk'], log)) return wrk(wrkVersion());
    if (prefer === 'wrk')
      throw new Error('wrk is not installed and cannot be installed (needs root and apt-get)');
    log('wrk is missing and cannot be installed (not root or no apt-get); trying autocannon through npx');
  }
  const probe = spawnSync('npx', ['--yes', 'autocannon', '--version'], {
    encoding: 'utf8',
    timeout: 120_000,
  });
  if (probe.status === 0) {
    const version = /autocannon v?([0-9][0-9.]*)/.exec(probe.stdout)?.[1] ?? 'unknown';
    return autocannon(version);
  }
  throw new Error(
    'no load generator: install wrk (`apt-get install -y wrk`, as root) or make the npm registry reachable for `npx autocannon`',
  );
}
