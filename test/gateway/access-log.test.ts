import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { test } from 'node:test';
import { request } from 'undici';
import { startTestGateway, startUpstream } from '../helpers/gateway.ts';

test('an enforced injection refusal logs the matched fragment, never sending it to the client', async () => {
  const up = await startUpstream();
  const gw = await startTestGateway({ upstreamUrl: up.url, extraConfig: 'inspection: { enabled: true }' });
  try {
    const res = await request(
      `${gw.url}/v1/health?q=${encodeURIComponent("' UNION SELECT password FROM users--")}`,
    );
    assert.equal(res.statusCode, 403);
    const body = await res.body.text();
    assert.match(body, /inject\.sqli/);
    assert.doesNotMatch(body, /UNION/i);
    await new Promise((r) => setTimeout(r, 50));
    const line = gw.logs.find((l) => l.msg === 'request' && l.code === 'inject.sqli');
    assert.ok(line, 'access log line');
    assert.match(String(line.evidence), /union/i);
    assert.equal(up.seen.length, 0);
  } finally {
    await gw.close();
    await up.close();
  }
});

test('a body a policy read is forwarded with its own Content-Length, even when it came chunked', async () => {
  const up = await startUpstream();
  up.handler = (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () =>
      res.end(
        JSON.stringify({ length: req.headers['content-length'], body: Buffer.concat(chunks).toString() }),
      ),
    );
  };
  const gw = await startTestGateway({ upstreamUrl: up.url, extraConfig: 'inspection: { enabled: true }' });
  try {
    const res = await request(`${gw.url}/v1/upload`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: Readable.from([Buffer.from('{"a":'), Buffer.from('"hello"}')]),
    });
    assert.equal(res.statusCode, 200);
    assert.deepEqual(await res.body.json(), { length: '13', body: '{"a":"hello"}' });
  } finally {
    await gw.close();
    await up.close();
  }
});
