import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, type JWK } from 'jose';

/** A JWKS endpoint on 127.0.0.1:0 whose key set and health a test changes at will. */
export interface JwksServer {
  readonly url: string;
  keys: JWK[];
  /** When set, every request answers this status instead of the set. */
  failWith: number | undefined;
  hits: number;
  close(): Promise<void>;
}

/** Start a JWKS server. */
export async function startJwksServer(keys: JWK[] = []): Promise<JwksServer> {
  const state: JwksServer = { url: '', keys, failWith: undefined, hits: 0, close: async () => {} };
  const server: Server = createServer((_req, res) => {
    state.hits++;
    if (state.failWith !== undefined) {
      res.writeHead(state.failWith).end('down');
      return;
    }
    res.writeHead(200, { 'content-type': 'application/jwk-set+json' });
    res.end(JSON.stringify({ keys: state.keys }));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  Object.assign(state, {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/jwks.json`,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  });
  return state;
}

/** A signing key pair with its public JWK (kid and alg set). */
export async function keyPair(alg: 'RS256' | 'ES256', kid: string) {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  const jwk = { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' };
  return { privateKey, publicKey, jwk, kid, alg };
}
