import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { certConsumer } from '../../src/auth/mtls.ts';
import { makeCert } from '../helpers/certs.ts';
import { startUpstream, type TestUpstream } from '../helpers/gateway.ts';
import { type AuthGateway, startAuthGateway } from '../policies/auth-gateway.ts';

const OPENAPI = `openapi: 3.1.0
info: { title: m, version: '1' }
security: [{ clientCert: [] }]
components:
  securitySchemes:
    clientCert: { type: mutualTLS }
paths:
  /health:
    get:
      security: []
      responses: { '200': { description: ok } }
  /orders:
    get:
      responses: { '200': { description: ok } }
`;

function openssl(dir: string, ...args: string[]): void {
  execFileSync('openssl', args, { cwd: dir, stdio: 'ignore' });
}

/** A CA and a client certificate it signed, with the given CN. */
function caAndClient(dir: string, cn: string) {
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  openssl(
    dir,
    'req',
    '-x509',
    ...ec,
    '-days',
    '2',
    '-subj',
    '/CN=rampart-test-ca',
    '-keyout',
    'ca.key',
    '-out',
    'ca.crt',
  );
  openssl(dir, 'req', ...ec, '-subj', `/CN=${cn}`, '-keyout', 'client.key', '-out', 'client.csr');
  openssl(
    dir,
    'x509',
    '-req',
    '-in',
    'client.csr',
    '-CA',
    'ca.crt',
    '-CAkey',
    'ca.key',
    '-CAcreateserial',
    '-days',
    '2',
    '-out',
    'client.crt',
  );
  return { cert: readFileSync(join(dir, 'client.crt')), key: readFileSync(join(dir, 'client.key')) };
}

function get(url: string, path: string, client?: { cert: Buffer; key: Buffer }) {
  return new Promise<{ status: number; body: string }>((resolve, reject) => {
    const req = request(
      `${url}${path}`,
      { rejectUnauthorized: false, ...(client === undefined ? {} : { cert: client.cert, key: client.key }) },
      (res) => {
        let body = '';
        res.on('data', (c) => {
          body += c;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      },
    );
    req.on('error', reject);
    req.end();
  });
}

describe('mTLS authentication', () => {
  let dir: string;
  let up: TestUpstream;
  let gw: AuthGateway;
  let client: { cert: Buffer; key: Buffer };
  let rogue: { cert: Buffer; key: Buffer };

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'rampart-mtls-'));
    client = caAndClient(dir, 'svc-orders');
    rogue = makeCert(dir, 'rogue', 'svc-orders');
    makeCert(dir, 'server');
    up = await startUpstream();
    up.handler = (req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ consumer: req.headers['x-rampart-consumer'] ?? null }));
    };
    gw = await startAuthGateway({
      dir,
      files: { 'openapi.yaml': OPENAPI },
      config: () => `listeners:
  - host: 127.0.0.1
    port: 0
    tls: { cert: ./server.crt, key: ./server.key, ca: ./ca.crt, reloadIntervalMs: 0 }
admin: false
upstreams:
  app: { url: ${up.url} }
apis:
  - { name: m, openapi: ./openapi.yaml, upstream: app }
auth:
  mtls:
    clientCert: { consumerFrom: subject.CN, roles: [service] }
`,
    });
  });
  after(async () => {
    await gw.close();
    await up.close();
    await rm(dir, { recursive: true, force: true });
  });

  test('a certificate signed by the client CA authenticates as its CN', async () => {
    const r = await get(gw.url, '/orders', client);
    assert.equal(r.status, 200);
    assert.equal((JSON.parse(r.body) as { consumer: string }).consumer, 'svc-orders');
  });

  test('a self-signed certificate with the same CN is refused: 401 auth.mtls.invalid', async () => {
    const r = await get(gw.url, '/orders', rogue);
    assert.equal(r.status, 401);
    assert.match(r.body, /auth\.mtls\.invalid/);
  });

  test('no certificate: 401 auth.missing; public operations still answer', async () => {
    const r = await get(gw.url, '/orders');
    assert.equal(r.status, 401);
    assert.match(r.body, /auth\.missing/);
    assert.equal((await get(gw.url, '/health')).status, 200);
  });

  test('SAN mapping picks the entry of the configured kind', () => {
    const cert = {
      subject: { CN: 'x' },
      subjectaltname: 'DNS:svc.internal, URI:spiffe://corp/svc, email:a@b.test',
    };
    assert.equal(certConsumer(cert, 'san.dns'), 'svc.internal');
    assert.equal(certConsumer(cert, 'san.uri'), 'spiffe://corp/svc');
    assert.equal(certConsumer(cert, 'san.email'), 'a@b.test');
    assert.equal(certConsumer(cert, 'subject.CN'), 'x');
    assert.equal(certConsumer({ subject: null }, 'subject.CN'), undefined);
  });
});
