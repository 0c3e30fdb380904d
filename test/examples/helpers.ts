// Shared helpers for the example API tests: temp databases, JSON requests, a canary listener.
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A temporary SQLite file path and its cleanup. */
export interface TempDb {
  readonly file: string;
  cleanup(): Promise<void>;
}

/** Make a fresh directory holding a not-yet-created SQLite file. */
export async function tempDb(): Promise<TempDb> {
  const dir = await mkdtemp(join(tmpdir(), 'rampart-examples-'));
  return { file: join(dir, 'api.sqlite'), cleanup: () => rm(dir, { recursive: true, force: true }) };
}

/** A decoded JSON response. */
export interface JsonResponse {
  readonly status: number;
  readonly headers: Headers;
  readonly text: string;
  // biome-ignore lint/suspicious/noExplicitAny: tests read arbitrary response shapes
  readonly json: any;
}

/** Options for call(). */
export interface CallOptions {
  method?: string;
  token?: string;
  body?: unknown;
  contentType?: string;
}

/** Send one request and decode the JSON body (null when the body is empty or not JSON). */
export async function call(url: string, options: CallOptions = {}): Promise<JsonResponse> {
  const headers: Record<string, string> = {};
  if (options.token !== undefined) headers.authorization = `Bearer ${options.token}`;
  let body: string | undefined;
  if (options.body !== undefined) {
    body = typeof options.body === 'string' ? options.body : JSON.stringify(options.body);
    headers['content-type'] = options.contentType ?? 'application/json';
  }
  const init: RequestInit = { method: options.method ?? 'GET', headers };
  if (body !== undefined) init.body = body;
  const res = await fetch(url, init);
  const text = await res.text();
  let json: unknown = null;
  try {
    json = text === '' ? null : JSON.parse(text);
  } catch {
    json = null;
  }
  return { status: res.status, headers: res.headers, text, json };
}

/** Log in at `${base}/auth/login` (base ends in /api/v1) and return the bearer token. */
export async function loginAs(base: string, username: string, password: string): Promise<string> {
  const res = await call(`${base}/auth/login`, { method: 'POST', body: { username, password } });
  if (res.status !== 200 || typeof res.json?.token !== 'string') {
    throw new Error(`login as ${username} failed: ${res.status} ${res.text}`);
  }
  return res.json.token as string;
}

/** The claims part of a JWT, decoded without verification. */
export function jwtClaims(token: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8')) as Record<
    string,
    unknown
  >;
}

/** A local HTTP listener standing in for an internal service an SSRF would reach. */
export interface Canary {
  readonly url: string;
  readonly secret: string;
  /** Paths requested so far. */
  readonly hits: string[];
  close(): Promise<void>;
}

/** Start a canary on 127.0.0.1:0 that answers every request with a secret text. */
export async function startCanary(redirectTo?: string): Promise<Canary> {
  const secret = `internal-canary-${Math.random().toString(36).slice(2)}`;
  const hits: string[] = [];
  const server = createServer((req, res) => {
    hits.push(req.url ?? '');
    if (redirectTo !== undefined) {
      res.writeHead(302, { Location: redirectTo });
      res.end();
      return;
    }
    res.writeHead(200, { 'Content-Type': 'text/plain' });
    res.end(`${secret}\n`);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/latest/meta-data/`,
    secret,
    hits,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** Luhn checksum, to show a leaked number is a real card number shape. */
export function luhnValid(digits: string): boolean {
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = Number(digits[digits.length - 1 - i]);
    if (i % 2 === 1) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return /^[0-9]{12,19}$/.test(digits) && sum % 10 === 0;
}
