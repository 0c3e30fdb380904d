import type { IncomingMessage, ServerResponse } from 'node:http';

/** Largest request body the admin API reads (POST /api/findings has its own, larger cap). */
export const MAX_ADMIN_BODY_BYTES = 16 * 1024;
const MAX_ITEMS = 64;
const LIST_ITEM = /^[\x21-\x7e]{1,128}$/;

/** Headers on every admin API answer. */
export const HEADERS = {
  'x-content-type-options': 'nosniff',
  'cache-control': 'no-store',
  'content-security-policy': "default-src 'none'; frame-ancestors 'none'",
};

/** A JSON object as the admin API reads and writes it. */
export type Json = Record<string, unknown>;

/** A refusal of the admin API: status, stable code and a detail safe to show. */
export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  constructor(status: number, code: string, detail: string) {
    super(detail);
    this.status = status;
    this.code = code;
  }
}

const TITLES: Readonly<Record<number, string>> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  413: 'Content Too Large',
  415: 'Unsupported Media Type',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

export function send(
  res: ServerResponse,
  status: number,
  body: Json,
  extra: Record<string, string> = {},
): void {
  const text = JSON.stringify(body);
  const type = status >= 400 ? 'application/problem+json' : 'application/json';
  res.writeHead(status, {
    ...HEADERS,
    ...extra,
    'content-type': type,
    'content-length': Buffer.byteLength(text),
  });
  res.end(text);
}

export function problem(res: ServerResponse, err: ApiError, extra: Record<string, string> = {}): void {
  send(
    res,
    err.status,
    {
      type: `https://rampart.dev/problems/${err.code}`,
      title: TITLES[err.status] ?? 'Error',
      status: err.status,
      code: err.code,
      detail: err.message,
    },
    extra,
  );
}

/** Read a JSON object body of at most `max` bytes; an empty body is `{}`. */
export async function readBody(req: IncomingMessage, max: number = MAX_ADMIN_BODY_BYTES): Promise<Json> {
  const declared = req.headers['content-length'];
  if (declared !== undefined && Number(declared) > max)
    throw new ApiError(413, 'admin.body.size', `the body is over ${max} bytes`);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.byteLength;
    if (size > max) throw new ApiError(413, 'admin.body.size', `the body is over ${max} bytes`);
    chunks.push(chunk);
  }
  if (size === 0) return {};
  const type = (req.headers['content-type'] ?? '').split(';', 1)[0]?.trim().toLowerCase();
  if (type !== 'application/json')
    throw new ApiError(415, 'admin.body.type', 'the body must be application/json');
  let value: unknown;
  try {
    value = JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    throw new ApiError(400, 'admin.body.json', 'the body is not valid JSON');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new ApiError(400, 'admin.body.json', 'the body must be a JSON object');
  return value as Json;
}

export function only(body: Json, allowed: readonly string[]): void {
  for (const k of Object.keys(body)) {
    if (!allowed.includes(k))
      throw new ApiError(400, 'admin.body.invalid', `unknown property "${k.slice(0, 64)}"`);
  }
}

export function str(body: Json, name: string, re: RegExp, required: true): string;
export function str(body: Json, name: string, re: RegExp, required: false): string | undefined;
export function str(body: Json, name: string, re: RegExp, required: boolean): string | undefined {
  const v = body[name];
  if (v === undefined && !required) return undefined;
  if (typeof v !== 'string' || !re.test(v))
    throw new ApiError(400, 'admin.body.invalid', `"${name}" is missing or malformed`);
  return v;
}

export function strings(body: Json, name: string): string[] | undefined {
  const v = body[name];
  if (v === undefined) return undefined;
  if (
    !Array.isArray(v) ||
    v.length > MAX_ITEMS ||
    !v.every((i) => typeof i === 'string' && LIST_ITEM.test(i))
  )
    throw new ApiError(
      400,
      'admin.body.invalid',
      `"${name}" must be an array of at most ${MAX_ITEMS} tokens`,
    );
  return v as string[];
}

export function int(body: Json, name: string, max: number): number | undefined {
  const v = body[name];
  if (v === undefined) return undefined;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > max)
    throw new ApiError(400, 'admin.body.invalid', `"${name}" must be an integer from 0 to ${max}`);
  return v;
}

/** Epoch ms as ISO 8601 (null stays null). */
export const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());
