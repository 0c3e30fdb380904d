import type { Observation } from './inventory.ts';

/** The most entries or lines one import reads; the rest is counted as skipped. */
export const MAX_IMPORT_ENTRIES = 1_000_000;
/** The longest body sample kept from a HAR entry. */
const MAX_BODY = 64 * 1024;
/** The longest access-log line parsed. */
const MAX_LINE = 64 * 1024;

/** Observations read from a file, and how many entries were not usable. */
export interface ImportResult {
  readonly observations: Observation[];
  readonly skipped: number;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

function header(headers: unknown, name: string): string | undefined {
  if (!Array.isArray(headers)) return undefined;
  for (const h of headers) {
    if (isObject(h) && typeof h.name === 'string' && h.name.toLowerCase() === name) return str(h.value);
  }
  return undefined;
}

function sample(text: unknown, encoding?: unknown): string | undefined {
  if (typeof text !== 'string' || text === '') return undefined;
  if (encoding === 'base64') return undefined;
  return text.length > MAX_BODY ? text.slice(0, MAX_BODY) : text;
}

/** Read the entries of a HAR 1.2 document (as parsed JSON); entries that are not HTTP calls are skipped. */
export function observationsFromHar(har: unknown): ImportResult {
  const entries = isObject(har) && isObject(har.log) && Array.isArray(har.log.entries) ? har.log.entries : [];
  const observations: Observation[] = [];
  let skipped = Math.max(0, entries.length - MAX_IMPORT_ENTRIES);
  for (const entry of entries.slice(0, MAX_IMPORT_ENTRIES)) {
    const req = isObject(entry) ? entry.request : undefined;
    const res = isObject(entry) ? entry.response : undefined;
    if (!isObject(req) || !isObject(res) || typeof req.method !== 'string' || typeof req.url !== 'string') {
      skipped++;
      continue;
    }
    let url: URL;
    try {
      url = new URL(req.url);
    } catch {
      skipped++;
      continue;
    }
    const started = Date.parse(str((entry as Record<string, unknown>).startedDateTime) ?? '');
    const content = isObject(res.content) ? res.content : {};
    const post = isObject(req.postData) ? req.postData : {};
    observations.push({
      time: Number.isFinite(started) ? started : 0,
      method: req.method,
      path: url.pathname,
      query: [...url.searchParams].slice(0, 100),
      status: typeof res.status === 'number' ? res.status : 0,
      requestContentType: str(post.mimeType) ?? header(req.headers, 'content-type'),
      responseContentType: str(content.mimeType) ?? header(res.headers, 'content-type'),
      requestBody: sample(post.text),
      responseBody: sample(content.text, content.encoding),
    });
  }
  return { observations, skipped };
}

/**
 * Read a JSON-lines access log: the gateway's own (`msg: "request"` lines with method, path, status,
 * route, code, consumer, time) or any lines with method, path (or url) and status.
 */
export function observationsFromAccessLog(text: string): ImportResult {
  const observations: Observation[] = [];
  let skipped = 0;
  let lines = 0;
  let start = 0;
  while (start < text.length) {
    let end = text.indexOf('\n', start);
    if (end === -1) end = text.length;
    const line = text.slice(start, end).trim();
    start = end + 1;
    if (line === '') continue;
    if (++lines > MAX_IMPORT_ENTRIES || line.length > MAX_LINE) {
      skipped++;
      continue;
    }
    let o: unknown;
    try {
      o = JSON.parse(line);
    } catch {
      skipped++;
      continue;
    }
    if (!isObject(o)) {
      skipped++;
      continue;
    }
    const method = str(o.method);
    let path = str(o.path) ?? str(o.url);
    const status =
      typeof o.status === 'number' ? o.status : typeof o.statusCode === 'number' ? o.statusCode : 0;
    if (method === undefined || path === undefined || (o.msg !== undefined && o.msg !== 'request')) {
      skipped++;
      continue;
    }
    if (/^https?:\/\//.test(path)) {
      try {
        const u = new URL(path);
        path = u.pathname + u.search;
      } catch {
        skipped++;
        continue;
      }
    }
    const t = typeof o.time === 'number' ? o.time : Date.parse(str(o.time) ?? '');
    observations.push({
      time: Number.isFinite(t) ? t : 0,
      method,
      path,
      status,
      consumer: str(o.consumer),
      code: str(o.code),
      requestContentType: str(o.requestContentType),
      responseContentType: str(o.responseContentType),
    });
  }
  return { observations, skipped };
}
