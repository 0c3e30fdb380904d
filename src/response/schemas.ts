/** The response schemas of one operation, by status and media type, compiled once into allowlist nodes. */
import type { Operation } from '../openapi/operations.ts';
import { matchMediaType } from '../validate/content-type.ts';
import { type AllowlistCompiler, ANY, type Node } from './allowlist.ts';

/** What the document declares for a response: a compiled schema, or a gap (no schema to filter by). */
export type DeclaredResponse =
  | { readonly kind: 'schema'; readonly node: Node }
  /** The status or media type is not declared, or declared without a schema. */
  | { readonly kind: 'gap'; readonly reason: 'status' | 'media' | 'schema' };

/** Lookup of the compiled response schema for a status and a media type essence. */
export interface ResponseSchemas {
  find(status: number, mediaType: string): DeclaredResponse;
}

interface MediaEntry {
  readonly keys: readonly string[];
  readonly byKey: ReadonlyMap<string, Node | undefined>;
}

const GAP_STATUS: DeclaredResponse = Object.freeze({ kind: 'gap', reason: 'status' });
const GAP_MEDIA: DeclaredResponse = Object.freeze({ kind: 'gap', reason: 'media' });
const GAP_SCHEMA: DeclaredResponse = Object.freeze({ kind: 'gap', reason: 'schema' });

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** Compile every response of an operation (status codes, `2XX` ranges, `default`; each media type). */
export function compileResponseSchemas(op: Operation, compiler: AllowlistCompiler): ResponseSchemas {
  const byStatus = new Map<string, MediaEntry>();
  for (const key of Object.keys(op.responses)) {
    const response = op.responses[key];
    if (!isObject(response)) continue;
    const content = isObject(response.content) ? response.content : {};
    const byKey = new Map<string, Node | undefined>();
    for (const media of Object.keys(content)) {
      const entry = content[media];
      const schema = isObject(entry) && 'schema' in entry ? entry.schema : undefined;
      byKey.set(media, schema === undefined ? undefined : schema === true ? ANY : compiler.compile(schema));
    }
    byStatus.set(key.toUpperCase(), { keys: [...byKey.keys()], byKey });
  }
  const cache = new Map<string, DeclaredResponse>();

  function resolve(status: number, mediaType: string): DeclaredResponse {
    const entry =
      byStatus.get(String(status)) ??
      byStatus.get(`${Math.floor(status / 100)}XX`) ??
      byStatus.get('DEFAULT');
    if (entry === undefined) return GAP_STATUS;
    const key = mediaType === '' ? undefined : matchMediaType(mediaType, entry.keys);
    if (key === undefined) return GAP_MEDIA;
    const node = entry.byKey.get(key);
    return node === undefined ? GAP_SCHEMA : { kind: 'schema', node };
  }

  // the answer of the last call: a route's responses mostly repeat one status and media type, and
  // comparing those spares building and hashing the cache key (asked twice per response)
  let lastStatus = -1;
  let lastMedia = '';
  let lastFound: DeclaredResponse = GAP_STATUS;
  return {
    find(status: number, mediaType: string): DeclaredResponse {
      if (status === lastStatus && mediaType === lastMedia) return lastFound;
      const k = `${status} ${mediaType}`;
      let d = cache.get(k);
      if (d === undefined) {
        d = resolve(status, mediaType);
        // statuses and media types come from the upstream: bound what is remembered
        if (cache.size < 256) cache.set(k, d);
      }
      lastStatus = status;
      lastMedia = mediaType;
      lastFound = d;
      return d;
    },
  };
}
