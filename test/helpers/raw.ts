import { connect } from 'node:net';

/** Send raw bytes to host:port and collect what comes back until the server closes or `ms` pass. */
export function rawRequest(url: string, data: string | Buffer, ms = 3000): Promise<string> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname);
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => socket.destroy(), ms);
    socket.on('data', (c) => chunks.push(c));
    socket.on('error', (err) => {
      if (chunks.length > 0) return;
      clearTimeout(timer);
      reject(err);
    });
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(Buffer.concat(chunks).toString('latin1'));
    });
    socket.write(data);
  });
}

/** The status code of the first response in a raw HTTP/1.1 reply, or 0 when there is none. */
export function statusOf(reply: string): number {
  const m = /^HTTP\/1\.1 (\d{3})/.exec(reply);
  return m === null ? 0 : Number(m[1]);
}
