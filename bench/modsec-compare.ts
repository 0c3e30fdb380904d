/**
 * Rampart's injection detectors side by side with nginx + ModSecurity v3 + OWASP CRS at
 * paranoia levels 1 and 2, on the same corpus. Installs Debian's nginx,
 * libnginx-mod-http-modsecurity and modsecurity-crs when missing (root + apt-get), runs nginx on
 * 127.0.0.1 in front of an in-process echo upstream, sends each payload as a query parameter
 * (`GET /?q=<payload>`; a 403 counts as detected) and prints a markdown table. Bounded: a
 * per-class sample (`--max-per-class N`, default 600; `--full` for every payload), a timeout per
 * request and a deadline for the whole run, after which it stops its children and exits.
 *
 *   node bench/modsec-compare.ts [--max-per-class N | --full] [--concurrency N] [--diff]
 */
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { detectInjection } from '../src/detect/injection/index.ts';
import { aptInstall } from './lib/loadgen.ts';
import { freePort, installCleanup, spawnChild, stopChild, waitForPort } from './lib/procs.ts';

const MODULE = '/usr/lib/nginx/modules/ngx_http_modsecurity_module.so';
const CRS_RULES = '/usr/share/modsecurity-crs/rules';
const DEADLINE_MS = 15 * 60_000;
const REQUEST_TIMEOUT_MS = 10_000;

const args = process.argv.slice(2);
const argValue = (name: string, fallback: number): number => {
  const i = args.indexOf(name);
  const v = i === -1 ? Number.NaN : Number(args[i + 1]);
  return Number.isInteger(v) && v > 0 ? v : fallback;
};
const maxPerClass = args.includes('--full') ? Number.POSITIVE_INFINITY : argValue('--max-per-class', 600);
const concurrency = Math.min(argValue('--concurrency', 8), 64);

const log = (msg: string): void => {
  process.stderr.write(`modsec-compare: ${msg}\n`);
};

const corpus = fileURLToPath(new URL('../../shared/corpus/', import.meta.url));
if (!existsSync(`${corpus}attacks`) || !existsSync(`${corpus}benign/api-inputs.txt`)) {
  log(`corpus not found at ${corpus} (expected attacks/*.txt and benign/api-inputs.txt)`);
  process.exit(2);
}

function lines(file: string): string[] {
  return readFileSync(file, 'utf8')
    .split('\n')
    .map((l) => l.replace(/\r$/, ''))
    .filter((l) => l.trim() !== '');
}

/** Every n-th payload so that a class keeps at most `max`: deterministic and spread over the file. */
function sample(values: readonly string[], max: number): string[] {
  if (values.length <= max) return [...values];
  const step = values.length / max;
  const out: string[] = [];
  for (let i = 0; i < max; i++) out.push(values[Math.floor(i * step)]!);
  return out;
}

interface Set_ {
  readonly name: string;
  readonly benign: boolean;
  readonly values: readonly string[];
}

const sets: Set_[] = readdirSync(`${corpus}attacks`)
  .filter((f) => f.endsWith('.txt'))
  .sort()
  .map((f) => ({
    name: f.slice(0, -4),
    benign: false,
    values: sample(lines(`${corpus}attacks/${f}`), maxPerClass),
  }));
sets.push({ name: 'benign', benign: true, values: lines(`${corpus}benign/api-inputs.txt`) });

function ensurePackages(): boolean {
  if (existsSync('/usr/sbin/nginx') && existsSync(MODULE) && existsSync(CRS_RULES)) return true;
  return aptInstall(['nginx', 'libnginx-mod-http-modsecurity', 'modsecurity-crs'], log);
}

/** ModSecurity engine settings, a minimal CRS setup at `paranoia`, then the CRS rules. */
function modsecRules(paranoia: number): string {
  return `SecRuleEngine On
SecRequestBodyAccess On
SecResponseBodyAccess Off
SecAuditEngine Off
SecDebugLogLevel 0
SecArgumentSeparator &
SecCookieFormat 0
SecDefaultAction "phase:1,log,auditlog,pass"
SecDefaultAction "phase:2,log,auditlog,pass"
SecAction "id:900000,phase:1,nolog,pass,t:none,setvar:tx.paranoia_level=${paranoia}"
SecAction "id:900990,phase:1,nolog,pass,t:none,setvar:tx.crs_setup_version=334"
Include ${CRS_RULES}/*.conf
`;
}

function nginxConf(dir: string, port: number, upstream: string): string {
  return `load_module ${MODULE};
${process.getuid?.() === 0 ? 'user root;\n' : ''}worker_processes 1;
daemon off;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log crit;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path ${dir}/client_body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  modsecurity on;
  modsecurity_rules_file ${dir}/modsec.conf;
  server {
    listen 127.0.0.1:${port};
    location / {
      proxy_pass http://${upstream};
      proxy_http_version 1.1;
      proxy_set_header Connection "";
    }
  }
}
`;
}

/** Sends every value as `?q=`; returns how many were refused (403) and the request rate. */
async function probe(
  base: string,
  values: readonly string[],
): Promise<{ refused: boolean[]; seconds: number }> {
  const refused = new Array<boolean>(values.length).fill(false);
  let next = 0;
  const started = process.hrtime.bigint();
  const worker = async (): Promise<void> => {
    while (next < values.length) {
      const i = next++;
      const url = `${base}/?q=${encodeURIComponent(values[i]!)}`;
      try {
        const res = await fetch(url, { signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
        await res.arrayBuffer();
        refused[i] = res.status === 403;
      } catch {
        refused[i] = false;
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return { refused, seconds: Number(process.hrtime.bigint() - started) / 1e9 };
}

interface Column {
  readonly label: string;
  /** Per set name: flags per value. */
  readonly results: Map<string, boolean[]>;
  readonly note: string;
}

async function runCrs(paranoia: number, upstream: string, root: string): Promise<Column | string> {
  const dir = join(root, `pl${paranoia}`);
  mkdirSync(dir, { recursive: true });
  const port = await freePort();
  writeFileSync(join(dir, 'modsec.conf'), modsecRules(paranoia));
  writeFileSync(join(dir, 'nginx.conf'), nginxConf(dir, port, upstream));
  const child = spawnChild(`nginx-crs-pl${paranoia}`, [
    '/usr/sbin/nginx',
    '-p',
    dir,
    '-c',
    join(dir, 'nginx.conf'),
    '-e',
    join(dir, 'error.log'),
  ]);
  try {
    await waitForPort(port, 20_000, child);
    const base = `http://127.0.0.1:${port}`;
    const sanity = await fetch(`${base}/?q=hello`);
    await sanity.arrayBuffer();
    if (sanity.status !== 200) return `CRS PL${paranoia}: a clean request got ${sanity.status}`;
    const results = new Map<string, boolean[]>();
    let requests = 0;
    let seconds = 0;
    for (const set of sets) {
      const r = await probe(base, set.values);
      results.set(set.name, r.refused);
      requests += set.values.length;
      seconds += r.seconds;
      log(`PL${paranoia} ${set.name}: ${r.refused.filter(Boolean).length}/${set.values.length}`);
    }
    return {
      label: `CRS PL${paranoia}`,
      results,
      note: `${Math.round(requests / seconds)} req/s (${concurrency} concurrent, 1 worker)`,
    };
  } catch (err) {
    return `CRS PL${paranoia}: ${(err as Error).message}`;
  } finally {
    await stopChild(child);
  }
}

function runRampart(): Column {
  const results = new Map<string, boolean[]>();
  let count = 0;
  // One warm-up pass so that the rate is not the JIT's.
  for (const set of sets) for (const v of set.values) detectInjection(v);
  const started = process.hrtime.bigint();
  for (const set of sets) {
    results.set(
      set.name,
      set.values.map((v) => detectInjection(v) !== null),
    );
    count += set.values.length;
  }
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  return {
    label: 'Rampart',
    results,
    note: `${Math.round(count / seconds)} inspections/s (in process, one thread)`,
  };
}

const pct = (flags: readonly boolean[] | undefined): string => {
  if (flags === undefined || flags.length === 0) return '-';
  return `${((100 * flags.filter(Boolean).length) / flags.length).toFixed(1)}%`;
};

function table(columns: readonly Column[]): string {
  const out: string[] = [];
  out.push(`| class | payloads | ${columns.map((c) => c.label).join(' | ')} |`);
  out.push(`| --- | ---: | ${columns.map(() => '---:').join(' | ')} |`);
  for (const set of sets) {
    const label = set.benign ? '**benign (false positives)**' : set.name;
    out.push(
      `| ${label} | ${set.values.length} | ${columns.map((c) => pct(c.results.get(set.name))).join(' | ')} |`,
    );
  }
  out.push('', ...columns.map((c) => `- ${c.label}: ${c.note}`));
  return out.join('\n');
}

async function main(): Promise<void> {
  const deadline = setTimeout(() => {
    log(`deadline of ${DEADLINE_MS / 60_000} minutes reached, stopping`);
    process.exit(3);
  }, DEADLINE_MS);
  deadline.unref();
  const root = mkdtempSync(join(tmpdir(), 'rampart-modsec-'));
  installCleanup(() => rmSync(root, { recursive: true, force: true }));
  const columns: Column[] = [runRampart()];
  const notes: string[] = [];
  if (!ensurePackages()) {
    notes.push(
      'nginx + ModSecurity + CRS are not installed and cannot be (needs root and apt-get): Rampart only.',
    );
  } else {
    const upstream = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end('ok');
    });
    await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
    const { port } = upstream.address() as AddressInfo;
    try {
      for (const paranoia of [1, 2]) {
        const col = await runCrs(paranoia, `127.0.0.1:${port}`, root);
        if (typeof col === 'string') notes.push(col);
        else columns.push(col);
      }
    } finally {
      upstream.close();
    }
  }
  const sampled = Number.isFinite(maxPerClass)
    ? ` (at most ${maxPerClass} payloads per class, evenly sampled)`
    : '';
  process.stdout.write(
    `Detection rate per attack class and false-positive rate${sampled}; CRS counts a 403 on \`GET /?q=<payload>\`.\n\n`,
  );
  process.stdout.write(`${table(columns)}\n`);
  if (args.includes('--diff') && columns.length > 1) {
    // What a CRS level refused and Rampart let through, and the reverse on benign inputs.
    const out: string[] = ['', 'Refused by CRS, not by Rampart (attacks) / by Rampart, not by CRS (benign):'];
    for (const set of sets) {
      const mine = columns[0]!.results.get(set.name)!;
      set.values.forEach((v, i) => {
        const crs = columns.slice(1).some((c) => c.results.get(set.name)?.[i] === true);
        if ((!set.benign && crs && !mine[i]) || (set.benign && mine[i] && !crs))
          out.push(`- ${set.name}: ${v.slice(0, 160)}`);
      });
    }
    process.stdout.write(`${out.slice(0, 402).join('\n')}\n`);
  }
  if (notes.length > 0) process.stdout.write(`\n${notes.map((n) => `Note: ${n}`).join('\n')}\n`);
  clearTimeout(deadline);
}

await main();
