// The dashboard's client of the admin API, typed by the operations of docs/admin-api.openapi.yaml.
import { OPERATIONS, type OperationId, type Operations } from './api-types.ts';

/** The arguments of one operation: path parameters, query parameters, JSON body. */
export interface CallArgs<K extends OperationId> {
  path?: Operations[K]['path'];
  query?: Operations[K]['query'];
  body?: Operations[K]['body'];
}

/** A refused call: the HTTP status and the problem code of the admin API (e.g. admin.csrf). */
export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  constructor(status: number, code: string, detail: string) {
    super(detail);
    this.status = status;
    this.code = code;
  }
}

/** What the views call; the browser uses `httpApi`, component tests a fixture. */
export interface Api {
  call<K extends OperationId>(op: K, args?: CallArgs<K>): Promise<Operations[K]['response']>;
}

/** Expand `{name}` path templates with URL-encoded values. */
export function expandPath(template: string, params: Record<string, unknown> | undefined): string {
  return template.replace(/\{([A-Za-z]+)\}/g, (_m, name: string) => {
    const v = params?.[name];
    if (v === undefined || v === null || v === '') throw new Error(`missing path parameter ${name}`);
    return encodeURIComponent(String(v));
  });
}

/** The query string of defined parameters, `?a=1&b=2`, or '' when none. */
export function queryString(query: Record<string, unknown> | undefined): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(query ?? {})) {
    if (v !== undefined && v !== null && v !== '') q.set(k, String(v));
  }
  const s = q.toString();
  return s === '' ? '' : `?${s}`;
}

/**
 * The admin API over fetch with the session cookie. The CSRF token of the session is kept in memory
 * only and sent as X-CSRF-Token on every POST and DELETE; a 401 calls `onSignedOut`.
 */
export function httpApi(onSignedOut: () => void): Api & { setCsrf(token: string | null): void } {
  let csrf: string | null = null;
  return {
    setCsrf(token) {
      csrf = token;
    },
    async call(op, args) {
      const { method, path } = OPERATIONS[op];
      const url =
        expandPath(path, args?.path as Record<string, unknown> | undefined) +
        queryString(args?.query as Record<string, unknown> | undefined);
      const headers: Record<string, string> = { accept: 'application/json' };
      if (method !== 'GET' && csrf !== null) headers['x-csrf-token'] = csrf;
      let body: string | undefined;
      if (args?.body !== undefined) {
        headers['content-type'] = 'application/json';
        body = JSON.stringify(args.body);
      }
      const res = await fetch(url, {
        method,
        headers,
        credentials: 'same-origin',
        cache: 'no-store',
        ...(body === undefined ? {} : { body }),
      });
      const text = await res.text();
      if (!res.ok) {
        let code = 'http';
        let detail = `${res.status} ${res.statusText}`;
        try {
          const p = JSON.parse(text) as { code?: unknown; detail?: unknown };
          if (typeof p.code === 'string') code = p.code;
          if (typeof p.detail === 'string') detail = p.detail;
        } catch {
          // not a problem document: keep the status line
        }
        if (res.status === 401 && op !== 'signIn') onSignedOut();
        throw new ApiError(res.status, code, detail);
      }
      const data = text === '' ? null : (JSON.parse(text) as unknown);
      if (op === 'signIn' || op === 'getSession') {
        csrf = (data as Operations['getSession']['response']).csrf;
      }
      if (op === 'signOut') csrf = null;
      return data as Operations[typeof op]['response'];
    },
  };
}

/** A message for a failed call, for a person. */
export function describeError(e: unknown): string {
  if (e instanceof ApiError) {
    switch (e.status) {
      case 401:
        return 'Not signed in, or the token is wrong.';
      case 403:
        return 'Refused: the session’s CSRF token is missing or stale. Reload the page.';
      case 429:
        return 'Too many failed sign-ins from this address; wait a minute and try again.';
      case 503:
        return `Not available: ${e.message}`;
      default:
        return e.message;
    }
  }
  return e instanceof Error ? e.message : String(e);
}
