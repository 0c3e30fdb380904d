import { isAbsolute, resolve } from 'node:path';
import { isPostgresUrl } from '../../store/open.ts';
import { openPostgresEventStore } from './postgres.ts';
import { openSqliteEventStore } from './sqlite.ts';
import type { EventStore } from './types.ts';

/** Open the event store at `location`: a `postgres://` URL or a SQLite file relative to `baseDir`. */
export async function openEventStore(location: string, baseDir: string = process.cwd()): Promise<EventStore> {
  if (isPostgresUrl(location)) return openPostgresEventStore(location);
  if (location === ':memory:') return openSqliteEventStore(location);
  return openSqliteEventStore(isAbsolute(location) ? location : resolve(baseDir, location));
}
