/**
 * Protocol clients parse a server's bytes inside their socket's 'data' listener. When a reply has a
 * shape their parser does not expect, some of them throw there (ioredis on a SUBSCRIBE answered
 * with an integer; node-postgres on a message shorter than it says, brianc/node-postgres#2053),
 * where nothing catches the throw and the process ends. A server that is not the one configured,
 * or a proxy in front of it, must cost the gateway a connection, not its life.
 */
import type { Duplex } from 'node:stream';

/** Why a connection was dropped: the client could not read what the server sent. */
export class MalformedReplyError extends Error {
  readonly code: string;
  constructor(server: string, code: string, cause: unknown) {
    // the cause's name only: its message may quote the server's bytes
    super(
      `the ${server} sent a reply the client could not read (${cause instanceof Error ? cause.name : 'error'})`,
    );
    this.name = 'MalformedReplyError';
    this.code = code;
  }
}

type DataListener = (chunk: Buffer) => void;

/**
 * Replace `listener` (a parser's 'data' listener on `stream`) with one that destroys the stream
 * with `failure(err)` when the parser throws. The client then sees a connection error and fails
 * what was waiting on that connection. The replacement runs first among the 'data' listeners.
 */
export function guardDataListener(
  stream: Duplex,
  listener: DataListener,
  failure: (err: unknown) => Error,
): void {
  stream.removeListener('data', listener);
  stream.prependListener('data', (chunk: Buffer) => {
    try {
      listener.call(stream, chunk);
    } catch (err) {
      stream.destroy(failure(err));
    }
  });
}

/** Run `attach`, which adds a parser's listeners to `stream`, and guard every 'data' listener it added. */
export function attachGuarded(stream: Duplex, attach: () => void, failure: (err: unknown) => Error): void {
  const before = new Set(stream.listeners('data'));
  attach();
  for (const l of stream.listeners('data')) {
    if (!before.has(l)) guardDataListener(stream, l as DataListener, failure);
  }
}
