import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { request } from 'undici';
import { startTestGateway, startUpstream, type TestGateway, type TestUpstream } from '../helpers/gateway.ts';

const OPENAPI = `openapi: 3.1.0
info: { title: validate, version: '1' }
paths:
  /users/{id}:
    parameters:
      - { name: id, in: path, required: true, schema: { type: integer, minimum: 1 } }
    patch:
      operationId: updateUser
      security: []
      requestBody:
        required: true
        content:
          application/json:
            schema: { $ref: '#/components/schemas/UserUpdate' }
          application/x-www-form-urlencoded:
            schema: { $ref: '#/components/schemas/UserUpdate' }
      responses: { '200': { description: ok } }
    put:
      operationId: replaceUser
      security: []
      x-rampart: { validate: { unknownProperties: strip } }
      requestBody:
        required: true
        content:
          application/json:
            schema: { $ref: '#/components/schemas/UserUpdate' }
      responses: { '200': { description: ok } }
  /search:
    get:
      operationId: search
      security: []
      parameters:
        - { name: q, in: query, schema: { type: string, maxLength: 100 } }
        - { name: limit, in: query, schema: { type: integer, minimum: 1, maximum: 100 } }
        - { name: tags, in: query, explode: false, schema: { type: array, items: { type: string }, maxItems: 3 } }
        - { name: X-Trace, in: header, required: true, schema: { type: string, pattern: '^[a-f0-9]{8}$' } }
      responses: { '200': { description: ok } }
  /loose:
    get:
      operationId: loose
      security: []
      x-rampart: { validate: { unknownQueryParameters: allow } }
      responses: { '200': { description: ok } }
  /avatar:
    post:
      operationId: avatar
      security: []
      requestBody:
        required: true
        content:
          multipart/form-data:
            schema:
              type: object
              required: [file]
              properties:
                caption: { type: string, maxLength: 20 }
                file: { type: string, format: binary }
            encoding:
              file: { contentType: 'image/png' }
      responses: { '200': { description: ok } }
  /ping:
    post:
      operationId: ping
      security: []
      responses: { '200': { description: ok } }
  /monitored:
    post:
      operationId: monitored
      security: []
      x-rampart: { validate: { mode: monitor } }
      requestBody:
        content:
          application/json:
            schema: { $ref: '#/components/schemas/UserUpdate' }
      responses: { '200': { description: ok } }
components:
  schemas:
    UserUpdate:
      type: object
      properties:
        id: { type: integer, readOnly: true }
        display_name: { type: string, minLength: 1, maxLength: 64 }
        tags: { type: array, items: { type: string } }
        score: { type: number }
`;

const PNG = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13]);

describe('validate policy through the gateway', () => {
  let up: TestUpstream;
  let gw: TestGateway;
  const bodies: string[] = [];

  before(async () => {
    up = await startUpstream();
    up.handler = (req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        bodies.push(body);
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ length: req.headers['content-length'], body }));
      });
    };
    gw = await startTestGateway({
      upstreamUrl: up.url,
      openapi: OPENAPI,
      extraConfig: 'validation: { enabled: true, maxJsonDepth: 8 }\nlimits: { maxBodyBytes: 4096 }',
    });
  });
  after(async () => {
    await gw.close();
    await up.close();
  });

  async function send(
    method: string,
    path: string,
    body?: string | Buffer,
    headers: Record<string, string> = {},
  ) {
    const res = await request(`${gw.url}${path}`, { method: method as 'GET', body: body ?? null, headers });
    const text = await res.body.text();
    return {
      status: res.statusCode,
      headers: res.headers,
      json: text === '' ? undefined : (JSON.parse(text) as Record<string, unknown>),
    };
  }
  const json = { 'content-type': 'application/json' };

  it('forwards a valid JSON body unchanged', async () => {
    const r = await send('PATCH', '/users/1', '{"display_name":"Alice"}', json);
    assert.equal(r.status, 200);
    assert.equal(r.json?.body, '{"display_name":"Alice"}');
  });
  it('refuses mass assignment: an undeclared property, named with its pointer, value not echoed', async () => {
    const r = await send('PATCH', '/users/1', '{"display_name":"A","role":"admin"}', json);
    assert.equal(r.status, 400);
    assert.equal(r.headers['content-type'], 'application/problem+json');
    assert.equal(r.json?.code, 'input.schema');
    assert.deepEqual(r.json?.errors, [{ pointer: '/body/role', message: 'is not a declared property' }]);
    assert.ok(!JSON.stringify(r.json).includes('admin'));
  });
  it('refuses readOnly properties', async () => {
    const r = await send('PATCH', '/users/1', '{"id":2}', json);
    assert.deepEqual(r.json?.errors, [{ pointer: '/body/id', message: 'is read-only' }]);
  });
  it('strips undeclared properties where the route says so, with a true Content-Length', async () => {
    const r = await send('PUT', '/users/1', '{"display_name":"A","role":"admin","nested":{"x":1}}', json);
    assert.equal(r.status, 200);
    assert.equal(r.json?.body, '{"display_name":"A"}');
    assert.equal(r.json?.length, String('{"display_name":"A"}'.length));
  });
  it('stripping keeps the numbers the client wrote: an id no double holds goes upstream digit for digit', async () => {
    const r = await send(
      'PUT',
      '/users/1',
      '{"display_name":"A","score":12345678901234567890,"role":"admin"}',
      json,
    );
    assert.equal(r.status, 200);
    assert.equal(r.json?.body, '{"display_name":"A","score":12345678901234567890}');
  });
  it('in strip mode still refuses other violations (without listing the stripped ones)', async () => {
    const r = await send('PUT', '/users/1', '{"display_name":"","role":"admin"}', json);
    assert.equal(r.status, 400);
    assert.deepEqual(r.json?.errors, [
      { pointer: '/body/display_name', message: 'must NOT have fewer than 1 characters', value: '' },
    ]);
  });
  it('checks path parameters by type', async () => {
    const r = await send('PATCH', '/users/abc', '{}', json);
    assert.equal(r.status, 400);
    assert.deepEqual(r.json?.errors, [{ pointer: '/path/id', message: 'must be integer', value: 'abc' }]);
    assert.equal((await send('PATCH', '/users/0', '{}', json)).json?.code, 'input.schema');
  });
  it('415 without a Content-Type, with an undeclared one, or with a body where none is declared', async () => {
    const none = await send('PATCH', '/users/1', '{}');
    assert.equal(none.status, 415); // undici sends text/plain for a string body without a type
    const noType = await request(`${gw.url}/users/1`, { method: 'PATCH', body: Buffer.from('{}') });
    assert.equal(noType.statusCode, 415);
    assert.equal(((await noType.body.json()) as { code: string }).code, 'input.content_type');
    assert.equal(
      (await send('PATCH', '/users/1', '<a/>', { 'content-type': 'application/xml' })).status,
      415,
    );
    assert.equal(
      (await send('PATCH', '/users/1', '{}', { 'content-type': 'application/json; charset=latin1' })).status,
      415,
    );
    assert.equal((await send('POST', '/ping', 'x', { 'content-type': 'text/plain' })).status, 415);
    assert.equal((await send('POST', '/ping')).status, 200);
  });
  it('400 input.json for malformed JSON, without echoing it', async () => {
    const r = await send('PATCH', '/users/1', '{"display_name": secret-value', json);
    assert.equal(r.status, 400);
    assert.equal(r.json?.code, 'input.json');
    assert.ok(!JSON.stringify(r.json).includes('secret-value'));
  });
  it('400 input.prototype for duplicate keys and __proto__', async () => {
    const dup = await send('PATCH', '/users/1', '{"display_name":"a","display_name":"b"}', json);
    assert.equal(dup.json?.code, 'input.prototype');
    assert.deepEqual(dup.json?.errors, [{ pointer: '/body/display_name', message: 'duplicate key' }]);
    const proto = await send('PATCH', '/users/1', '{"__proto__":{"isAdmin":true}}', json);
    assert.equal(proto.json?.code, 'input.prototype');
  });
  it('400 input.limits for JSON nested past the cap', async () => {
    const r = await send('PATCH', '/users/1', `{"tags":${'['.repeat(20)}${']'.repeat(20)}}`, json);
    assert.equal(r.json?.code, 'input.limits');
  });
  it('413 for a body over the cap', async () => {
    const r = await send('PATCH', '/users/1', JSON.stringify({ display_name: 'x'.repeat(5000) }), json);
    assert.equal(r.status, 413);
  });
  it('400 for a body required but empty', async () => {
    const r = await send('PATCH', '/users/1', '', json);
    assert.equal(r.status, 400);
    assert.deepEqual(r.json?.errors, [{ pointer: '/body', message: 'is required' }]);
  });
  it('validates url-encoded bodies with the same schema', async () => {
    const form = { 'content-type': 'application/x-www-form-urlencoded' };
    assert.equal((await send('PATCH', '/users/1', 'display_name=Al&tags=a&tags=b', form)).status, 200);
    const r = await send('PATCH', '/users/1', 'display_name=Al&role=admin', form);
    assert.deepEqual(r.json?.errors, [{ pointer: '/body/role', message: 'is not a declared property' }]);
  });
  it('query: types, bounds, arrays, unknown parameters, required headers', async () => {
    const h = { 'x-trace': 'deadbeef' };
    assert.equal((await send('GET', '/search?q=shoes&limit=10&tags=a,b', undefined, h)).status, 200);
    const over = await send('GET', '/search?limit=1000', undefined, h);
    assert.deepEqual(over.json?.errors, [
      { pointer: '/query/limit', message: 'must be <= 100', value: '1000' },
    ]);
    const unknown = await send('GET', '/search?q=a&debug=true', undefined, h);
    assert.deepEqual(unknown.json?.errors, [
      { pointer: '/query/debug', message: 'is not a declared parameter' },
    ]);
    const many = await send('GET', '/search?tags=a,b,c,d', undefined, h);
    assert.equal(many.json?.code, 'input.schema');
    const noHeader = await send('GET', '/search?q=a');
    assert.deepEqual(noHeader.json?.errors, [{ pointer: '/header/X-Trace', message: 'is required' }]);
    assert.equal((await send('GET', '/loose?anything=1')).status, 200);
  });
  it('multipart: a PNG passes, a script named .png and an undeclared field do not', async () => {
    const boundary = 'b0undary';
    const body = (type: string, data: Buffer, extra = '') =>
      Buffer.concat([
        Buffer.from(
          `--${boundary}\r\nContent-Disposition: form-data; name="caption"\r\n\r\nhello\r\n${extra}`,
        ),
        Buffer.from(
          `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="a.png"\r\nContent-Type: ${type}\r\n\r\n`,
        ),
        data,
        Buffer.from(`\r\n--${boundary}--\r\n`),
      ]);
    const mp = { 'content-type': `multipart/form-data; boundary=${boundary}` };
    const ok = await send('POST', '/avatar', body('image/png', PNG), mp);
    assert.equal(ok.status, 200);
    const fake = await send('POST', '/avatar', body('image/png', Buffer.from('<?php echo 1; ?>')), mp);
    assert.equal(fake.status, 415);
    assert.equal(fake.json?.code, 'input.upload');
    const extra = await send(
      'POST',
      '/avatar',
      body('image/png', PNG, `--${boundary}\r\nContent-Disposition: form-data; name="owner"\r\n\r\n1\r\n`),
      mp,
    );
    assert.deepEqual(extra.json?.errors, [{ pointer: '/body/owner', message: 'is not a declared property' }]);
  });
  it('monitor mode records and forwards', async () => {
    const r = await send('POST', '/monitored', '{"role":"admin"}', json);
    assert.equal(r.status, 200);
    const line = gw.logs.find((l) => l.msg === 'request' && l.route === 'monitored');
    assert.equal(line?.decision, 'monitor');
    assert.equal(line?.code, 'input.schema');
  });
});
