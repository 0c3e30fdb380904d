import { isAbsolute, resolve } from 'node:path';
import { openPostgresStore } from './postgres.ts';
import { openSqliteStore } from './sqlite.ts';
import type { Store } from './types.ts';

/** The store a config names when it names none: a SQLite file beside the config. */
export const DEFAULT_STORE = './rampart.db';

/** True for a URL that selects the PostgreSQL store. */
export function isPostgresUrl(location: string): boolean {
  return location.startsWith('postgres://') || location.startsWith('postgresql://');
}

/**
 * Open the store at `location`: a `postgres://` URL selects PostgreSQL, anything else is a SQLite
 * file path, relative to `baseDir` (the config's directory).
 */
export async function openStore(
  location: string = DEFAULT_STORE,
  baseDir: string = process.cwd(),
): Promise<Store> {
  if (isPostgresUrl(location)) return openPostgresStore(location);
  if (location === ':memory:') return openSqliteStore(location);
  return openSqliteStore(isAbsolute(location) ? location : resolve(baseDir, location));
}
