/** Row (e): nginx as a plain keep-alive reverse proxy, the native ceiling. */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { aptInstall } from './loadgen.ts';
import { freePort, hasCommand, pinned, spawnChild, stopChild, waitForPort } from './procs.ts';
import type { RowContext, Skipped, Target } from './target.ts';

/** Settings of the generated nginx.conf. */
export interface NginxConfOptions {
  /** Absolute directory for pid, error log and temp paths. */
  readonly dir: string;
  readonly listenPort: number;
  /** `host:port` of the upstream. */
  readonly upstream: string;
  /** Run workers as root (only when the master runs as root: the temp dir is root's). */
  readonly userRoot: boolean;
  /** Load ModSecurity v3 with these rules (the module's path and the rules file). */
  readonly modsecurity?: { readonly module: string; readonly rulesFile: string };
}

/**
 * A one-worker nginx.conf proxying everything to the upstream over keep-alive connections, with no
 * access log; per-connection request limits raised so that nginx, like Node, never closes a busy
 * keep-alive connection during a run.
 */
export function nginxConf(o: NginxConfOptions): string {
  const d = o.dir;
  const m = o.modsecurity;
  return `${m === undefined ? '' : `load_module ${m.module};\n`}${o.userRoot ? 'user root;\n' : ''}worker_processes 1;
daemon off;
pid ${d}/nginx.pid;
error_log ${d}/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path ${d}/client_body;
  proxy_temp_path ${d}/proxy;
  fastcgi_temp_path ${d}/fastcgi;
  uwsgi_temp_path ${d}/uwsgi;
  scgi_temp_path ${d}/scgi;${m === undefined ? '' : `\n  modsecurity on;\n  modsecurity_rules_file ${m.rulesFile};`}
  keepalive_timeout 65s;
  keepalive_requests 1000000;
  upstream bench_upstream {
    server ${o.upstream};
    keepalive 128;
    keepalive_requests 1000000;
  }
  server {
    listen 127.0.0.1:${o.listenPort};
    location / {
      proxy_pass http://bench_upstream;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
    }
  }
}
`;
}

function nginxBinary(): string | null {
  if (hasCommand('nginx')) return 'nginx';
  return existsSync('/usr/sbin/nginx') ? '/usr/sbin/nginx' : null;
}

function nginxVersion(bin: string): string {
  const out = spawnSync(bin, ['-v'], { encoding: 'utf8' });
  return /nginx\/([0-9.]+)/.exec(`${out.stderr ?? ''}${out.stdout ?? ''}`)?.[1] ?? 'unknown';
}

/** Starts nginx pinned to the proxy cpu (installing it first when missing and root). */
export async function startNginx(ctx: RowContext): Promise<Target | Skipped> {
  let bin = nginxBinary();
  if (bin === null && aptInstall(['nginx'], ctx.log)) bin = nginxBinary();
  if (bin === null) return { skip: 'nginx is not installed and cannot be (needs root and apt-get)' };
  const dir = join(ctx.tmpDir, 'nginx');
  mkdirSync(dir, { recursive: true });
  const port = await freePort();
  const conf = join(dir, 'nginx.conf');
  const upstream = new URL(ctx.upstreamUrl).host;
  writeFileSync(conf, nginxConf({ dir, listenPort: port, upstream, userRoot: process.getuid?.() === 0 }));
  // -e: the default error log (/var/log/nginx) may not be writable before the config is read.
  const child = spawnChild(
    'nginx',
    pinned(ctx.proxyCpu, [bin, '-p', dir, '-c', conf, '-e', join(dir, 'error.log')]),
  );
  try {
    await waitForPort(port, 10_000, child);
  } catch (err) {
    await stopChild(child);
    return { skip: `nginx did not start: ${(err as Error).message}` };
  }
  return {
    url: `http://127.0.0.1:${port}`,
    headers: {},
    note: `nginx ${nginxVersion(bin)}`,
    stop: () => stopChild(child),
  };
}

const MODSEC_MODULE = '/usr/lib/nginx/modules/ngx_http_modsecurity_module.so';
const CRS_RULES = '/usr/share/modsecurity-crs/rules';

/**
 * ModSecurity v3 with the OWASP CRS at a paranoia level, blocking, no audit log: the settings of
 * bench/modsec-compare.ts, plus the recommended JSON body processor so a JSON POST is inspected.
 */
export function crsRules(paranoia: number): string {
  return `SecRuleEngine On
SecRequestBodyAccess On
SecRequestBodyLimit 13107200
SecResponseBodyAccess Off
SecAuditEngine Off
SecDebugLogLevel 0
SecArgumentSeparator &
SecCookieFormat 0
SecRule REQUEST_HEADERS:Content-Type "^application/json" "id:200001,phase:1,t:none,t:lowercase,pass,nolog,ctl:requestBodyProcessor=JSON"
SecDefaultAction "phase:1,log,auditlog,pass"
SecDefaultAction "phase:2,log,auditlog,pass"
SecAction "id:900000,phase:1,nolog,pass,t:none,setvar:tx.paranoia_level=${paranoia}"
SecAction "id:900990,phase:1,nolog,pass,t:none,setvar:tx.crs_setup_version=334"
Include ${CRS_RULES}/*.conf
`;
}

/**
 * Row (w): nginx + ModSecurity v3 + OWASP CRS at paranoia level 1, pinned like row (e), in front
 * of the same upstream (issue 11: validation + inspection ≥ 20 × its throughput).
 */
export async function startNginxModsec(ctx: RowContext): Promise<Target | Skipped> {
  let bin = nginxBinary();
  if (
    (bin === null || !existsSync(MODSEC_MODULE) || !existsSync(CRS_RULES)) &&
    aptInstall(['nginx', 'libnginx-mod-http-modsecurity', 'modsecurity-crs'], ctx.log)
  )
    bin = nginxBinary();
  if (bin === null || !existsSync(MODSEC_MODULE) || !existsSync(CRS_RULES))
    return {
      skip: 'nginx with ModSecurity and the CRS is not installed and cannot be (needs root and apt-get)',
    };
  const dir = join(ctx.tmpDir, 'nginx-modsec');
  mkdirSync(dir, { recursive: true });
  const port = await freePort();
  const conf = join(dir, 'nginx.conf');
  const rulesFile = join(dir, 'modsec.conf');
  writeFileSync(rulesFile, crsRules(1));
  const upstream = new URL(ctx.upstreamUrl).host;
  writeFileSync(
    conf,
    nginxConf({
      dir,
      listenPort: port,
      upstream,
      userRoot: process.getuid?.() === 0,
      modsecurity: { module: MODSEC_MODULE, rulesFile },
    }),
  );
  const child = spawnChild(
    'nginx-modsec',
    pinned(ctx.proxyCpu, [bin, '-p', dir, '-c', conf, '-e', join(dir, 'error.log')]),
  );
  try {
    await waitForPort(port, 20_000, child);
  } catch (err) {
    await stopChild(child);
    return { skip: `nginx with ModSecurity did not start: ${(err as Error).message}` };
  }
  return {
    url: `http://127.0.0.1:${port}`,
    headers: {},
    note: `nginx ${nginxVersion(bin)} + ModSecurity v3 + CRS PL1`,
    ...(child.proc.pid === undefined ? {} : { pid: child.proc.pid }),
    stop: () => stopChild(child),
  };
}
