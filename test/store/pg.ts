import { randomBytes } from 'node:crypto';
import pg from 'pg';

/** The Postgres the tests use: database `test` on 127.0.0.1:5432 (override with RAMPART_TEST_PG_URL). */
export const PG_URL = process.env.RAMPART_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

/** A unique schema name for one test file, or a reason to skip when Postgres is unreachable. */
export async function pgSchema(): Promise<{ url: string; schema: string } | { skip: string }> {
  const client = new pg.Client({ connectionString: PG_URL, connectionTimeoutMillis: 2000 });
  try {
    await client.connect();
    await client.end();
  } catch (err) {
    return {
      skip: `PostgreSQL unreachable at ${PG_URL} (${(err as Error).message}): Postgres tests skipped`,
    };
  }
  const schema = `rampart_test_${randomBytes(6).toString('hex')}`;
  return { url: `${PG_URL}?schema=${schema}`, schema };
}

/** Drop a test schema and everything in it. */
export async function dropSchema(schema: string): Promise<void> {
  const client = new pg.Client({ connectionString: PG_URL });
  await client.connect();
  try {
    await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  } finally {
    await client.end();
  }
}
