import { isAbsolute, resolve } from 'node:path';
import type { AtRest } from '../../store/field-cipher.ts';
import { isPostgresUrl } from '../../store/open.ts';
import { openPostgresEventStore } from './postgres.ts';
import { openSqliteEventStore } from './sqlite.ts';
import type { EventStore } from './types.ts';

/**
 * Open the event store at `location`: a `postgres://` URL or a SQLite file relative to `baseDir`.
 * `atRest` carries the data-at-rest cipher (see `loadStoreKeys`); without it evidence is plain.
 */
export async function openEventStore(
  location: string,
  baseDir: string = process.cwd(),
  atRest?: AtRest,
): Promise<EventStore> {
  if (isPostgresUrl(location)) return openPostgresEventStore(location, atRest);
  if (location === ':memory:') return openSqliteEventStore(location, atRest);
  return openSqliteEventStore(isAbsolute(location) ? location : resolve(baseDir, location), atRest);
}
