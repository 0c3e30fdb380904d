import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash, X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { SignJWT } from 'jose';
import { checkCertificateBinding, confirmationThumbprint } from '../../src/auth/cert-binding.ts';
import { makeCert } from '../helpers/certs.ts';
import { startUpstream, type TestUpstream } from '../helpers/gateway.ts';
import { type AuthGateway, startAuthGateway } from '../policies/auth-gateway.ts';

const SECRET = 'hmac-secret-for-cert-binding-tests-0123456789';
const OPENAPI = `openapi: 3.1.0
info: { title: b, version: '1' }
components:
  securitySchemes:
    bearer: { type: http, scheme: bearer, bearerFormat: JWT }
    boundBearer: { type: http, scheme: bearer, bearerFormat: JWT }
paths:
  /bound:
    get:
      security: [{ bearer: [] }]
      x-rampart: { certificateBoundTokens: true }
      responses: { '200': { description: ok } }
  /open:
    get:
      security: [{ bearer: [] }]
      responses: { '200': { description: ok } }
  /issuer-bound:
    get:
      security: [{ boundBearer: [] }]
      responses: { '200': { description: ok } }
`;

type Client = { cert: Buffer; key: Buffer };

function openssl(dir: string, ...args: string[]): void {
  execFileSync('openssl', args, { cwd: dir, stdio: 'ignore' });
}

const EC = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];

function client(dir: string, name: string): Client {
  openssl(dir, 'req', ...EC, '-subj', `/CN=${name}`, '-keyout', `${name}.key`, '-out', `${name}.csr`);
  openssl(
    dir,
    'x509',
    '-req',
    '-in',
    `${name}.csr`,
    '-CA',
    'ca.crt',
    '-CAkey',
    'ca.key',
    '-CAcreateserial',
    '-days',
    '2',
    '-out',
    `${name}.crt`,
  );
  return { cert: readFileSync(join(dir, `${name}.crt`)), key: readFileSync(join(dir, `${name}.key`)) };
}

/** RFC 8705 x5t#S256 computed independently of the code under test. */
const thumbprint = (c: Client) =>
  createHash('sha256').update(new X509Certificate(c.cert).raw).digest('base64url');

function get(url: string, path: string, token: string, c?: Client) {
  return new Promise<{ status: number; body: string }>((resolve, reject) => {
    const req = request(
      `${url}${path}`,
      {
        rejectUnauthorized: false,
        agent: false,
        headers: { authorization: `Bearer ${token}` },
        ...(c === undefined ? {} : { cert: c.cert, key: c.key }),
      },
      (res) => {
        let body = '';
        res.on('data', (d) => {
          body += d;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      },
    );
    req.on('error', reject);
    req.end();
  });
}

function sign(iss: string, sub: string, cnf?: string): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT(cnf === undefined ? {} : { cnf: { 'x5t#S256': cnf } })
    .setProtectedHeader({ alg: 'HS256' })
    .setIssuer(iss)
    .setSubject(sub)
    .setIssuedAt(now)
    .setExpirationTime(now + 300)
    .sign(Buffer.from(SECRET));
}

describe('certificate-bound JWTs (RFC 8705)', () => {
  let dir: string;
  let up: TestUpstream;
  let gw: AuthGateway;
  let alice: Client;
  let bob: Client;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'rampart-cnf-'));
    openssl(
      dir,
      'req',
      '-x509',
      ...EC,
      '-days',
      '2',
      '-subj',
      '/CN=ca',
      '-keyout',
      'ca.key',
      '-out',
      'ca.crt',
    );
    alice = client(dir, 'alice');
    bob = client(dir, 'bob');
    makeCert(dir, 'server');
    up = await startUpstream();
    up.handler = (req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ consumer: req.headers['x-rampart-consumer'] ?? null }));
    };
    gw = await startAuthGateway({
      dir,
      files: { 'openapi.yaml': OPENAPI },
      env: { SECRET },
      config: () => `listeners:
  - host: 127.0.0.1
    port: 0
    tls: { cert: ./server.crt, key: ./server.key, ca: ./ca.crt, reloadIntervalMs: 0 }
admin: false
upstreams:
  app: { url: ${up.url} }
apis:
  - { name: b, openapi: ./openapi.yaml, upstream: app }
auth:
  jwt:
    bearer:
      issuers:
        - issuer: https://idp.test
          algorithms: [HS256]
          secret: \${SECRET}
    boundBearer:
      issuers:
        - issuer: https://bound.test
          algorithms: [HS256]
          secret: \${SECRET}
          certificateBound: true
`,
    });
  });
  after(async () => {
    await gw?.close();
    await up?.close();
    await rm(dir, { recursive: true, force: true });
  });

  test('a route that requires binding accepts a token bound to the connection certificate', async () => {
    const r = await get(gw.url, '/bound', await sign('https://idp.test', 'alice', thumbprint(alice)), alice);
    assert.equal(r.status, 200);
    assert.equal((JSON.parse(r.body) as { consumer: string }).consumer, 'alice');
  });

  test('the same token over another (valid) client certificate is refused', async () => {
    const r = await get(gw.url, '/bound', await sign('https://idp.test', 'alice', thumbprint(alice)), bob);
    assert.equal(r.status, 401);
    assert.match(r.body, /auth\.jwt\.claims/);
    assert.match(r.body, /bound to another certificate/);
  });

  test('a route that requires binding refuses an unbound token and a bound one without certificate', async () => {
    let r = await get(gw.url, '/bound', await sign('https://idp.test', 'alice'), alice);
    assert.equal(r.status, 401);
    assert.match(r.body, /not certificate-bound/);
    r = await get(gw.url, '/bound', await sign('https://idp.test', 'alice', thumbprint(alice)));
    assert.equal(r.status, 401);
    assert.match(r.body, /requires a client certificate/);
  });

  test('elsewhere an unbound token passes, but a token that carries cnf is still checked', async () => {
    assert.equal((await get(gw.url, '/open', await sign('https://idp.test', 'carol'))).status, 200);
    const r = await get(gw.url, '/open', await sign('https://idp.test', 'alice', thumbprint(alice)), bob);
    assert.equal(r.status, 401);
  });

  test('an issuer with certificateBound: true requires binding on every route', async () => {
    assert.equal(
      (await get(gw.url, '/issuer-bound', await sign('https://bound.test', 'alice'), alice)).status,
      401,
    );
    const ok = await get(
      gw.url,
      '/issuer-bound',
      await sign('https://bound.test', 'alice', thumbprint(alice)),
      alice,
    );
    assert.equal(ok.status, 200);
  });

  test('malformed confirmations are no confirmation; a plain socket has no certificate', () => {
    assert.equal(confirmationThumbprint({ cnf: { 'x5t#S256': 'short' } }), undefined);
    assert.equal(confirmationThumbprint({ cnf: ['x'] }), undefined);
    assert.equal(checkCertificateBinding({ cnf: { 'x5t#S256': 'x' } }, {}, false), 'no-confirmation');
    assert.equal(
      checkCertificateBinding({ cnf: { 'x5t#S256': 'A'.repeat(43) } }, {}, false),
      'no-certificate',
    );
    assert.equal(checkCertificateBinding({}, {}, false), undefined);
    assert.equal(checkCertificateBinding({}, {}, true), 'no-confirmation');
  });
});
