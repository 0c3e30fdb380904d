/** The GraphQL-over-HTTP request forms: POST JSON (one operation or a batched array) and GET `?query=`. */

/** One GraphQL operation request as the client sent it (nothing trusted yet). */
export interface GraphqlRequest {
  readonly query: string | undefined;
  readonly operationName: string | null;
  readonly variables: Readonly<Record<string, unknown>>;
  /** A persisted document's sha256 (hex), from `documentId: "sha256:…"` or `extensions.persistedQuery`. */
  readonly hash: string | undefined;
}

/** The requests a body or query string carries, whether it was a batch, or why it is malformed. */
export type ExtractResult =
  | { readonly ok: true; readonly requests: readonly GraphqlRequest[]; readonly batch: boolean }
  | { readonly ok: false; readonly detail: string };

const HEX64 = /^[0-9a-f]{64}$/;

/** Read the requests of a POST body already parsed as JSON; a batch (array) is cut at `maxBatch`. */
export function fromJson(body: unknown, maxBatch: number): ExtractResult {
  if (Array.isArray(body)) {
    if (body.length === 0) return { ok: false, detail: 'empty batch' };
    if (body.length > maxBatch) return { ok: false, detail: 'batch' };
    const requests: GraphqlRequest[] = [];
    for (const item of body) {
      const r = one(item);
      if (typeof r === 'string') return { ok: false, detail: r };
      requests.push(r);
    }
    return { ok: true, requests, batch: true };
  }
  const r = one(body);
  return typeof r === 'string' ? { ok: false, detail: r } : { ok: true, requests: [r], batch: false };
}

/** Read the request of a GET query string (`query`, `operationName`, `variables` and `extensions` as JSON). */
export function fromQueryString(search: string): ExtractResult {
  const params = new URLSearchParams(search);
  const obj: Record<string, unknown> = Object.create(null);
  for (const key of ['query', 'operationName', 'documentId'] as const) {
    const v = params.getAll(key);
    if (v.length > 1) return { ok: false, detail: `${key} given more than once` };
    if (v.length === 1) obj[key] = v[0];
  }
  for (const key of ['variables', 'extensions'] as const) {
    const v = params.getAll(key);
    if (v.length > 1) return { ok: false, detail: `${key} given more than once` };
    if (v.length === 1) {
      try {
        obj[key] = JSON.parse(v[0]!);
      } catch {
        return { ok: false, detail: `${key} is not JSON` };
      }
    }
  }
  const r = one(obj);
  return typeof r === 'string' ? { ok: false, detail: r } : { ok: true, requests: [r], batch: false };
}

function one(item: unknown): GraphqlRequest | string {
  if (typeof item !== 'object' || item === null || Array.isArray(item))
    return 'a request must be a JSON object';
  const o = item as Record<string, unknown>;
  const query = o.query;
  if (query !== undefined && query !== null && typeof query !== 'string') return 'query must be a string';
  const name = o.operationName;
  if (name !== undefined && name !== null && typeof name !== 'string')
    return 'operationName must be a string';
  const vars = o.variables;
  if (vars !== undefined && vars !== null && (typeof vars !== 'object' || Array.isArray(vars)))
    return 'variables must be an object';
  let hash: string | undefined;
  if (typeof o.documentId === 'string') {
    const id = o.documentId.toLowerCase();
    hash = id.startsWith('sha256:') ? id.slice(7) : id;
  }
  const ext = o.extensions;
  if (typeof ext === 'object' && ext !== null) {
    const pq = (ext as Record<string, unknown>).persistedQuery;
    if (typeof pq === 'object' && pq !== null) {
      const h = (pq as Record<string, unknown>).sha256Hash;
      if (typeof h === 'string') hash = h.toLowerCase();
    }
  }
  if (hash !== undefined && !HEX64.test(hash)) return 'a document hash must be 64 hex digits';
  if ((query === undefined || query === null) && hash === undefined) return 'no query';
  return {
    query: typeof query === 'string' ? query : undefined,
    operationName: typeof name === 'string' ? name : null,
    variables: (vars ?? Object.create(null)) as Record<string, unknown>,
    hash,
  };
}
