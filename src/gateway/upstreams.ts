import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { Pool } from 'undici';
import type { UpstreamConfig } from '../config/schema.ts';

/** An upstream's connection pool and its timeouts. */
export interface Upstream {
  readonly name: string;
  readonly origin: string;
  readonly pool: Pool;
  readonly headersTimeoutMs: number;
  readonly bodyTimeoutMs: number;
}

/** One undici Pool per upstream: keep-alive, bounded connections, connect timeout. */
export function createUpstreams(
  upstreams: Readonly<Record<string, Readonly<UpstreamConfig>>>,
  baseDir: string,
): Map<string, Upstream> {
  const out = new Map<string, Upstream>();
  for (const [name, cfg] of Object.entries(upstreams)) {
    const origin = new URL(cfg.url).origin;
    const ca = cfg.ca === undefined ? undefined : readFileSync(resolve(baseDir, cfg.ca));
    const pool = new Pool(origin, {
      connections: cfg.connections,
      connectTimeout: cfg.connectTimeoutMs,
      headersTimeout: cfg.headersTimeoutMs,
      bodyTimeout: cfg.bodyTimeoutMs,
      keepAliveTimeout: 4_000,
      connect: { rejectUnauthorized: cfg.rejectUnauthorized, ...(ca === undefined ? {} : { ca }) },
    });
    // a pool error with no request attached must not crash the process
    pool.on('connectionError', () => {});
    out.set(name, {
      name,
      origin,
      pool,
      headersTimeoutMs: cfg.headersTimeoutMs,
      bodyTimeoutMs: cfg.bodyTimeoutMs,
    });
  }
  return out;
}

/** Close pools once their in-flight requests are done. */
export async function closeUpstreams(upstreams: Map<string, Upstream>): Promise<void> {
  await Promise.allSettled([...upstreams.values()].map((u) => u.pool.close()));
}
