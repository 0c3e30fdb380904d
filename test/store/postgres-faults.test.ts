import assert from 'node:assert/strict';
import { createServer, type Server, type Socket } from 'node:net';
import { describe, test } from 'node:test';
import { openPostgresPool, openPostgresStore } from '../../src/store/postgres.ts';

/** One PostgreSQL backend message: type byte, length, body. */
function message(type: string, body: Buffer): Buffer {
  const b = Buffer.alloc(5 + body.length);
  b.write(type, 0, 'latin1');
  b.writeInt32BE(4 + body.length, 1);
  body.copy(b, 5);
  return b;
}

/** AuthenticationOk, BackendKeyData, ReadyForQuery: a server that lets the client in. */
const WELCOME = Buffer.concat([
  message('R', Buffer.alloc(4)),
  message('K', Buffer.alloc(8)),
  message('Z', Buffer.from('I')),
]);

/**
 * A server that speaks the start of the PostgreSQL protocol: it welcomes the client, then answers
 * each later packet with `answer` (null: never answers).
 */
async function fakePostgres(answer: Buffer | null): Promise<{ url: string; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const srv: Server = createServer((sock) => {
    sockets.add(sock);
    sock.on('error', () => {});
    let welcomed = false;
    sock.on('data', () => {
      if (!welcomed) {
        welcomed = true;
        sock.write(WELCOME);
      } else if (answer !== null) sock.write(answer);
    });
  });
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const port = (srv.address() as { port: number }).port;
  return {
    url: `postgres://rampart@127.0.0.1:${port}/test`,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => srv.close(() => r()));
    },
  };
}

describe('PostgreSQL faults never hang or crash', () => {
  test('a message shorter than it says fails the query and drops the connection, not the process', async () => {
    // a RowDescription announcing 5 fields and carrying none: pg's parser reads past its end and
    // throws in the socket's listener (brianc/node-postgres#2053)
    const fake = await fakePostgres(
      Buffer.concat([message('T', Buffer.from([0, 5])), message('Z', Buffer.from('I'))]),
    );
    try {
      await assert.rejects(openPostgresStore(fake.url), (err: Error & { code?: string }) => {
        assert.equal(err.name, 'MalformedReplyError');
        assert.equal(err.code, 'ERR_STORE_MALFORMED_MESSAGE');
        assert.match(err.message, /PostgreSQL server sent a reply the client could not read \(RangeError\)/);
        return true;
      });
    } finally {
      await fake.close();
    }
  });

  test('a server that takes a query and never answers: the query fails within its bound', async () => {
    const fake = await fakePostgres(null);
    try {
      const started = performance.now();
      await assert.rejects(openPostgresPool(fake.url, 'SELECT 1', 1, 300), /timeout/i);
      // bounded by the query timeout, not by the test runner's
      assert.ok(performance.now() - started < 5_000);
    } finally {
      await fake.close();
    }
  });
});
