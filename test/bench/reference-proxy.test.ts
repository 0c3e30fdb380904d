import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { after, before, test } from 'node:test';
import { request } from 'undici';
import { itemBody, POST_BODY, REPORT_BODY } from '../../bench/lib/bodies.ts';
import { startReferenceProxy } from '../../bench/reference-proxy.ts';
import { type StartedServer, startUpstream } from '../../bench/upstream.ts';

let upstream: StartedServer;
let proxy: StartedServer;

before(async () => {
  upstream = await startUpstream('127.0.0.1', 0);
  proxy = await startReferenceProxy({ upstream: upstream.url, port: 0 });
});

after(async () => {
  await proxy.close();
  await upstream.close();
});

test('reference proxy forwards a GET with its path and query and returns the upstream body', async () => {
  const res = await request(`${proxy.url}/items/42?x=1`, { headers: { 'x-bench-echo': '1' } });
  assert.equal(res.statusCode, 200);
  assert.equal(res.headers['x-echo-method'], 'GET');
  assert.equal(res.headers['x-echo-url'], '/items/42?x=1');
  assert.equal(res.headers['content-type'], 'application/json');
  assert.equal(await res.body.text(), itemBody('42'));
});

test('reference proxy streams a 10 KB response unchanged', async () => {
  const res = await request(`${proxy.url}/items/7/report`);
  assert.equal(res.statusCode, 200);
  const body = Buffer.from(await res.body.arrayBuffer());
  assert.ok(body.length > 9_000);
  assert.deepEqual(body, REPORT_BODY);
});

test('reference proxy forwards a POST body byte for byte, with its content type', async () => {
  const res = await request(`${proxy.url}/items`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-bench-echo': '1' },
    body: POST_BODY,
  });
  assert.equal(res.statusCode, 201);
  assert.equal(Buffer.byteLength(POST_BODY), 1024);
  assert.equal(res.headers['x-echo-bytes'], '1024');
  assert.equal(res.headers['x-echo-sha256'], createHash('sha256').update(POST_BODY).digest('hex'));
  assert.equal(res.headers['x-echo-content-type'], 'application/json');
  assert.deepEqual(await res.body.json(), { id: 1001, bytes: 1024 });
});

test('reference proxy forwards a chunked POST body', async () => {
  const chunks = ['{"name":"a",', '"price":1}'];
  const res = await request(`${proxy.url}/items`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-bench-echo': '1' },
    body: Readable.from(chunks),
  });
  assert.equal(res.statusCode, 201);
  const whole = chunks.join('');
  assert.equal(res.headers['x-echo-sha256'], createHash('sha256').update(whole).digest('hex'));
  await res.body.dump();
});

test('reference proxy answers 502 when the upstream is gone', async () => {
  const gone = await startUpstream('127.0.0.1', 0);
  await gone.close();
  const orphan = await startReferenceProxy({ upstream: gone.url, port: 0 });
  try {
    const res = await request(`${orphan.url}/items/1`);
    assert.equal(res.statusCode, 502);
    await res.body.dump();
  } finally {
    await orphan.close();
  }
});
