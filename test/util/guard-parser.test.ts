import assert from 'node:assert/strict';
import { once } from 'node:events';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { describe, test } from 'node:test';
import { attachGuarded, guardDataListener, MalformedReplyError } from '../../src/util/guard-parser.ts';

/** A connected client socket whose server writes `bytes` once, and the server to close. */
async function socketReceiving(bytes: string): Promise<{ client: Socket; server: Server }> {
  const server = createServer((s) => {
    s.on('error', () => {});
    s.end(bytes);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const client = connect((server.address() as { port: number }).port, '127.0.0.1');
  client.pause();
  await once(client, 'connect');
  return { client, server };
}

describe('guarded parser listeners', () => {
  test('a parser that throws destroys its stream with the failure, and the process goes on', async () => {
    const { client, server } = await socketReceiving('bad');
    const parse = (_chunk: Buffer) => {
      throw new RangeError('offset out of range: quoted server bytes');
    };
    client.on('data', parse);
    guardDataListener(client, parse, (err) => new MalformedReplyError('test server', 'ERR_TEST', err));
    client.resume();
    const [err] = (await once(client, 'error')) as [MalformedReplyError];
    assert.equal(err.code, 'ERR_TEST');
    assert.equal(err.message, 'the test server sent a reply the client could not read (RangeError)');
    // the thrown message may quote the server's bytes: it is not repeated
    assert.doesNotMatch(err.message, /quoted/);
    assert.equal(client.destroyed, true);
    server.close();
  });

  test('a parser that reads its data gets every byte, and only the listeners attach added are wrapped', async () => {
    const { client, server } = await socketReceiving('hello');
    const seen: string[] = [];
    const other = (chunk: Buffer) => seen.push(`other:${chunk}`);
    client.on('data', other);
    attachGuarded(
      client,
      () => client.on('data', (chunk: Buffer) => seen.push(`parser:${chunk}`)),
      (err) => new MalformedReplyError('test server', 'ERR_TEST', err),
    );
    assert.equal(client.listeners('data').length, 2);
    assert.ok(client.listeners('data').includes(other));
    client.resume();
    await once(client, 'end');
    // the guarded parser runs first
    assert.deepEqual(seen, ['parser:hello', 'other:hello']);
    client.destroy();
    server.close();
  });
});
