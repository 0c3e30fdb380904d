import { createHash } from 'node:crypto';
import { lstatSync, readdirSync, readFileSync, statSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

/** Where `vite build` writes the dashboard (dashboard/dist in the package). */
export const DEFAULT_DASHBOARD_DIR = fileURLToPath(new URL('../../dashboard/dist/', import.meta.url));

/**
 * The dashboard's Content-Security-Policy: scripts, styles and requests from this origin only, no
 * inline script or style, no framing, no <base>, forms post here only.
 */
export const DASHBOARD_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "font-src 'self'",
  "object-src 'none'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
  "form-action 'self'",
].join('; ');

const HEADERS = {
  'content-security-policy': DASHBOARD_CSP,
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
  'permissions-policy': 'camera=(), microphone=(), geolocation=(), payment=()',
};

/** Served file types; a file of any other extension in dist is not served. */
const TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.webp': 'image/webp',
  '.woff2': 'font/woff2',
  '.json': 'application/json',
  '.txt': 'text/plain; charset=utf-8',
};
const COMPRESSIBLE = new Set(['.html', '.js', '.mjs', '.css', '.svg', '.json', '.txt']);

/** Vite's content-hashed asset names (name-HASH.ext): safe to cache for a year. */
const HASHED = /^\/assets\/[^/]+-[A-Za-z0-9_-]{8,}\.[a-z0-9]+$/;
const MAX_FILES = 1000;
const MAX_TOTAL_BYTES = 32 * 1024 * 1024;
const MAX_DEPTH = 4;

interface Asset {
  readonly body: Buffer;
  readonly gzip: Buffer | null;
  readonly type: string;
  readonly etag: string;
  readonly cache: string;
}

/** The built dashboard, served by the admin listener. */
export interface DashboardAssets {
  /** Answer a GET or HEAD for `path` (no query): a file, the 503 page when not built, or 404. */
  handle(req: IncomingMessage, res: ServerResponse, path: string): void;
}

const NOT_BUILT = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Rampart dashboard not built</title></head>
<body><h1>The Rampart dashboard is not built</h1>
<p>The admin listener serves the dashboard from <code>dashboard/dist</code>, which is missing.
Build it with <code>npm run dashboard:build</code> (<code>npm ci</code> in a checkout does it too), then reload.</p>
<p>The admin API (<code>/api/</code>), <code>/healthz</code>, <code>/readyz</code> and <code>/metrics</code> work without it.</p>
</body></html>
`;

/**
 * Read every servable file of `dir` into memory, keyed by URL path. Only regular files are read
 * (symbolic links are skipped), so no request can reach outside `dir`: a path is served only if it
 * is a key of this map. Returns null when `dir` has no index.html.
 */
function load(dir: string): Map<string, Asset> | null {
  const files = new Map<string, Asset>();
  let total = 0;
  const walk = (abs: string, url: string, depth: number): void => {
    if (depth > MAX_DEPTH) return;
    for (const entry of readdirSync(abs, { withFileTypes: true })) {
      if (entry.name.startsWith('.')) continue;
      const path = join(abs, entry.name);
      const u = `${url}/${entry.name}`;
      if (entry.isDirectory()) walk(path, u, depth + 1);
      if (!entry.isFile()) continue;
      const ext = extname(entry.name).toLowerCase();
      const type = TYPES[ext];
      if (type === undefined) continue;
      if (files.size >= MAX_FILES) throw new Error(`dashboard: more than ${MAX_FILES} files in ${dir}`);
      const st = lstatSync(path);
      total += st.size;
      if (total > MAX_TOTAL_BYTES) throw new Error(`dashboard: more than ${MAX_TOTAL_BYTES} bytes in ${dir}`);
      const body = readFileSync(path);
      const gz = COMPRESSIBLE.has(ext) && body.length > 1024 ? gzipSync(body, { level: 9 }) : null;
      files.set(u, {
        body,
        gzip: gz !== null && gz.length < body.length ? gz : null,
        type,
        etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"`,
        cache: HASHED.test(u) ? 'public, max-age=31536000, immutable' : 'no-cache',
      });
    }
  };
  try {
    // the folder itself may be a link (a deployment's current build); links inside it are skipped
    if (!statSync(dir).isDirectory()) return null;
    walk(dir, '', 0);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw e;
  }
  const index = files.get('/index.html');
  if (index === undefined) return null;
  files.set('/', index);
  return files;
}

/** Whether the client takes gzip (a listed `gzip` coding without q=0). */
const acceptsGzip = (req: IncomingMessage): boolean => {
  const ae = req.headers['accept-encoding'];
  if (typeof ae !== 'string' || ae.length > 256) return false;
  return ae.split(',').some((part) => {
    const [coding, ...params] = part.split(';').map((x) => x.trim().toLowerCase());
    return coding === 'gzip' && !params.some((p) => /^q=0(?:\.0{0,3})?$/.test(p));
  });
};

/**
 * Serve the dashboard from `dir`. The files are read once, on the first request that finds them
 * (so a gateway started before `vite build` serves the 503 page until the build exists).
 */
export function dashboardAssets(dir: string = DEFAULT_DASHBOARD_DIR): DashboardAssets {
  let files: Map<string, Asset> | null = null;
  const send = (res: ServerResponse, status: number, type: string, body: string, head: boolean) => {
    res.writeHead(status, {
      ...HEADERS,
      'content-security-policy': "default-src 'none'; frame-ancestors 'none'; base-uri 'none'",
      'cache-control': 'no-store',
      'content-type': type,
      'content-length': Buffer.byteLength(body),
    });
    res.end(head ? undefined : body);
  };
  return {
    handle(req, res, path) {
      const head = req.method === 'HEAD';
      try {
        files ??= load(dir);
      } catch {
        return send(res, 500, 'text/plain; charset=utf-8', 'dashboard assets unreadable\n', head);
      }
      if (files === null) {
        const page = path === '/' || path === '/index.html' || path.startsWith('/assets/');
        if (page) return send(res, 503, 'text/html; charset=utf-8', NOT_BUILT, head);
        return send(res, 404, 'text/plain; charset=utf-8', 'not found\n', head);
      }
      const asset = files.get(path);
      if (asset === undefined) return send(res, 404, 'text/plain; charset=utf-8', 'not found\n', head);
      const headers: Record<string, string | number> = {
        ...HEADERS,
        'content-type': asset.type,
        'cache-control': asset.cache,
        etag: asset.etag,
        vary: 'accept-encoding',
      };
      if (req.headers['if-none-match'] === asset.etag) {
        res.writeHead(304, headers);
        return res.end();
      }
      const gz = asset.gzip !== null && acceptsGzip(req);
      const body = gz ? asset.gzip! : asset.body;
      if (gz) headers['content-encoding'] = 'gzip';
      headers['content-length'] = body.length;
      res.writeHead(200, headers);
      res.end(head ? undefined : body);
    },
  };
}
