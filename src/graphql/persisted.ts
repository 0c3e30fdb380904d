/** Trusted documents: an allowlist of persisted operations, keyed by the sha256 (hex) of their text. */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { ConfigError } from '../errors.ts';

const HEX64 = /^[0-9a-f]{64}$/;

/** The sha256 (lower-case hex) of a document's text, as clients and build tools compute it. */
export function documentHash(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

/**
 * Load an allowlist file: a JSON object `{ "<sha256 hex>": "<document>" }` (the shape of Apollo's and
 * GraphQL Code Generator's client manifests). Each key must be the hash of its document.
 */
export function loadPersisted(file: string): ReadonlyMap<string, string> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new ConfigError(`cannot read the persisted documents: ${(e as Error).message}`, { file });
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
    throw new ConfigError('persisted documents must be a JSON object of hash → document', { file });
  const map = new Map<string, string>();
  for (const [key, doc] of Object.entries(parsed as Record<string, unknown>)) {
    const hash = key.toLowerCase().replace(/^sha256:/, '');
    if (!HEX64.test(hash) || typeof doc !== 'string')
      throw new ConfigError('each entry must be "<sha256 hex>": "<document>"', { file, key });
    if (documentHash(doc) !== hash)
      throw new ConfigError('the hash does not match its document', { file, key });
    map.set(hash, doc);
  }
  return map;
}
