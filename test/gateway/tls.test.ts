import assert from 'node:assert/strict';
import { copyFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { connect, type PeerCertificate } from 'node:tls';
import { Agent, request } from 'undici';
import { makeCert } from '../helpers/certs.ts';
import { startTestGateway, startUpstream, type TestGateway, type TestUpstream } from '../helpers/gateway.ts';

function peerCert(
  url: string,
  options: { maxVersion?: 'TLSv1.1' | 'TLSv1.2' | 'TLSv1.3' } = {},
): Promise<{ cert: PeerCertificate; protocol: string | null }> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect(
      { host: hostname, port: Number(port), rejectUnauthorized: false, ...options },
      () => {
        const result = { cert: socket.getPeerCertificate(), protocol: socket.getProtocol() };
        socket.end();
        resolve(result);
      },
    );
    socket.on('error', reject);
  });
}

describe('TLS listener', () => {
  let dir = '';
  let up: TestUpstream;
  let gw: TestGateway;
  let first: ReturnType<typeof makeCert>;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'rampart-tls-'));
    first = makeCert(dir, 'first', 'first.test');
    up = await startUpstream();
    gw = await startTestGateway({
      upstreamUrl: up.url,
      listeners: `  - host: 127.0.0.1\n    port: 0\n    tls: { cert: ${first.certFile}, key: ${first.keyFile}, reloadIntervalMs: 100 }`,
    });
  });
  after(async () => {
    await gw.close();
    await up.close();
    await rm(dir, { recursive: true, force: true });
  });

  test('serves HTTPS with TLS 1.3 by default and HSTS on responses', async () => {
    assert.match(gw.url, /^https:/);
    const dispatcher = new Agent({ connect: { rejectUnauthorized: false } });
    const res = await request(`${gw.url}/v1/health`, { dispatcher });
    await res.body.dump();
    assert.equal(res.statusCode, 200);
    assert.equal(res.headers['strict-transport-security'], 'max-age=31536000; includeSubDomains');
    assert.equal((await peerCert(gw.url)).protocol, 'TLSv1.3');
    await dispatcher.close();
  });

  test('accepts TLS 1.2 and refuses TLS 1.1', async () => {
    assert.equal((await peerCert(gw.url, { maxVersion: 'TLSv1.2' })).protocol, 'TLSv1.2');
    await assert.rejects(peerCert(gw.url, { maxVersion: 'TLSv1.1' }));
  });

  test('reloads the certificate when its files change, without a restart', async () => {
    assert.equal((await peerCert(gw.url)).cert.subject.CN, 'first.test');
    const second = makeCert(dir, 'second', 'second.test');
    await copyFile(second.keyFile, first.keyFile);
    await copyFile(second.certFile, first.certFile);
    let cn = '';
    for (let i = 0; i < 50 && cn !== 'second.test'; i++) {
      await new Promise((r) => setTimeout(r, 100));
      cn = String((await peerCert(gw.url)).cert.subject.CN);
    }
    assert.equal(cn, 'second.test');
  });
});

describe('plain HTTP redirect listener', () => {
  test('redirects every request to the HTTPS port and forwards nothing', async () => {
    const up = await startUpstream();
    const gw = await startTestGateway({
      upstreamUrl: up.url,
      listeners: '  - { host: 127.0.0.1, port: 0, redirectToHttps: 8443 }',
    });
    try {
      const res = await request(`${gw.url}/v1/users/1?x=1`, { headers: { host: 'api.example.com' } });
      assert.equal(res.statusCode, 308);
      assert.equal(res.headers.location, 'https://api.example.com:8443/v1/users/1?x=1');
      const evil = await request(`${gw.url}/v1/health`, { headers: { host: 'evil.com/x?' } });
      assert.equal(evil.statusCode, 403);
      assert.equal(up.seen.length, 0);
    } finally {
      await gw.close();
      await up.close();
    }
  });
});
