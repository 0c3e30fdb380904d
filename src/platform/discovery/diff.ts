import type { LoadedDocument } from '../../openapi/load.ts';
import { listOperations, type Operation } from '../../openapi/operations.ts';
import type { Endpoint } from './inventory.ts';
import { splitPath } from './template.ts';

/** A called endpoint that the document does not declare. */
export interface ShadowEndpoint {
  readonly method: string;
  readonly path: string;
  readonly calls: number;
  /** Calls the gateway refused as undeclared (0 for passthrough or unprotected traffic). */
  readonly refused: number;
  readonly lastSeen: number;
}

/** A declared operation that should be gone: deprecated but called, never called, or not called lately. */
export interface ZombieEndpoint {
  readonly kind: 'deprecated-called' | 'never-called' | 'stale';
  readonly method: string;
  readonly path: string;
  readonly operationId: string | undefined;
  readonly calls: number;
  readonly lastSeen: number | null;
}

/** A query parameter sent to a declared operation that does not declare it. */
export interface UndeclaredParameter {
  readonly method: string;
  readonly path: string;
  readonly in: 'query';
  readonly name: string;
}

/** What traffic shows that the document does not say. */
export interface InventoryDiff {
  readonly shadow: readonly ShadowEndpoint[];
  readonly zombie: readonly ZombieEndpoint[];
  readonly undeclaredParameters: readonly UndeclaredParameter[];
  /** Declared operations that traffic reached. */
  readonly matched: number;
  /** Every declared operation with the traffic that reached it. */
  readonly operations: readonly DeclaredUse[];
}

/** A declared operation and the learned endpoints that matched it. */
export interface DeclaredUse {
  readonly op: Operation;
  readonly calls: number;
  readonly lastSeen: number | null;
  readonly endpoints: readonly Endpoint[];
}

export interface DiffOptions {
  /** A declared operation whose last call is older than this (ms before `now`) is a zombie too. */
  readonly staleAfterMs?: number;
  readonly now?: number;
}

interface SpecOp {
  readonly op: Operation;
  readonly segments: readonly string[];
  readonly bases: readonly (readonly string[])[];
  calls: number;
  lastSeen: number | null;
  readonly seen: Endpoint[];
}

function basePaths(op: Operation): string[][] {
  const out: string[][] = [];
  for (const s of op.servers) {
    let p = '/';
    try {
      p = new URL(s.url, 'http://base.invalid').pathname;
    } catch {
      // a templated server URL that does not parse: no base path
    }
    out.push(splitPath(p));
  }
  if (!out.some((b) => b.length === 0)) out.push([]);
  return out;
}

// A document segment with a `{` is (or contains) a parameter and matches any single segment.
function segmentMatches(spec: string, seen: Endpoint['segments'][number]): boolean {
  if (spec.includes('{')) return true;
  return 'literal' in seen && seen.literal === spec;
}

function matches(op: SpecOp, e: Endpoint): boolean {
  if (op.op.method !== e.method.toLowerCase()) return false;
  for (const base of op.bases) {
    if (e.segments.length !== base.length + op.segments.length) continue;
    let ok = true;
    for (let i = 0; ok && i < base.length; i++) {
      const s = e.segments[i];
      ok = s !== undefined && 'literal' in s && s.literal === base[i];
    }
    for (let i = 0; ok && i < op.segments.length; i++) {
      const s = e.segments[base.length + i];
      ok = s !== undefined && segmentMatches(op.segments[i]!, s);
    }
    if (ok) return true;
  }
  return false;
}

/** Compare the inventory with an OpenAPI document: shadow, zombie and undeclared parameters. */
export function diffInventory(
  endpoints: readonly Endpoint[],
  doc: LoadedDocument,
  options: DiffOptions = {},
): InventoryDiff {
  const ops: SpecOp[] = listOperations(doc).map((op) => ({
    op,
    segments: op.path.split('/').filter((s) => s !== ''),
    bases: basePaths(op),
    calls: 0,
    lastSeen: null,
    seen: [],
  }));
  // literal paths first, so `/users/me` wins over `/users/{id}`
  ops.sort((a, b) => a.op.path.split('{').length - b.op.path.split('{').length);
  const shadow: ShadowEndpoint[] = [];
  const undeclared: UndeclaredParameter[] = [];
  let matched = 0;
  for (const e of endpoints) {
    const hit = ops.find((o) => matches(o, e));
    if (hit === undefined) {
      shadow.push({
        method: e.method,
        path: e.path,
        calls: e.count,
        refused: e.refusedUndeclared,
        lastSeen: e.lastSeen,
      });
      continue;
    }
    if (hit.calls === 0) matched++;
    hit.seen.push(e);
    hit.calls += e.count;
    hit.lastSeen = Math.max(hit.lastSeen ?? 0, e.lastSeen);
    const declared = new Set(hit.op.parameters.filter((p) => p.in === 'query').map((p) => p.name));
    for (const name of e.queryParams) {
      if (!declared.has(name)) undeclared.push({ method: e.method, path: hit.op.path, in: 'query', name });
    }
  }
  const now = options.now ?? Date.now();
  const zombie: ZombieEndpoint[] = [];
  for (const o of ops) {
    const base = {
      method: o.op.method.toUpperCase(),
      path: o.op.path,
      operationId: o.op.operationId,
      calls: o.calls,
      lastSeen: o.lastSeen,
    };
    if (o.op.deprecated && o.calls > 0) zombie.push({ kind: 'deprecated-called', ...base });
    else if (
      o.calls === 0 ||
      (options.staleAfterMs !== undefined && (o.lastSeen ?? 0) < now - options.staleAfterMs)
    ) {
      zombie.push({ kind: o.calls === 0 ? 'never-called' : 'stale', ...base });
    }
  }
  zombie.sort((a, b) => a.path.localeCompare(b.path) || a.method.localeCompare(b.method));
  const operations = ops.map((o) => ({ op: o.op, calls: o.calls, lastSeen: o.lastSeen, endpoints: o.seen }));
  return { shadow, zombie, undeclaredParameters: undeclared, matched, operations };
}
