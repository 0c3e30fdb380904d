import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';

/** The Redis the tests use: REDIS_URL, else the machine's 127.0.0.1:6379. */
export const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

/** Null when Redis answers PING, else the reason to skip with. */
export async function redisSkipReason(): Promise<string | null> {
  const c = new Redis(REDIS_URL, {
    lazyConnect: true,
    connectTimeout: 500,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  c.on('error', () => {});
  try {
    await c.connect();
    await c.ping();
    return null;
  } catch (err) {
    return `Redis at ${REDIS_URL.replace(/\/\/[^@/]*@/, '//')} is unreachable (${(err as Error).message}); set REDIS_URL to run these tests`;
  } finally {
    c.disconnect();
  }
}

/** A fresh random key prefix, so parallel test runs never share keys. */
export function testPrefix(): string {
  return `rampart-test:${randomUUID()}:`;
}

/** Delete every key under a prefix. */
export async function cleanPrefix(prefix: string): Promise<void> {
  const c = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
  c.on('error', () => {});
  try {
    let cursor = '0';
    do {
      const [next, keys] = await c.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500);
      cursor = next;
      if (keys.length > 0) await c.del(...keys);
    } while (cursor !== '0');
  } finally {
    c.disconnect();
  }
}
