import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { Ajv } from 'ajv';
import { editorSchema } from '../../src/config/schema.ts';

const file = JSON.parse(readFileSync(new URL('../../schema/rampart.schema.json', import.meta.url), 'utf8'));

test('schema/rampart.schema.json is up to date with the TypeBox schema (run npm run schema)', () => {
  assert.deepEqual(file, editorSchema());
});

test('the editor schema accepts a minimal config and rejects unknown keys', () => {
  const ajv = new Ajv({ strict: false });
  const validate = ajv.compile(file);
  const minimal = {
    listeners: [{ port: 8080 }],
    upstreams: { app: { url: 'http://127.0.0.1:3000' } },
    apis: [{ name: 'app', openapi: 'openapi.yaml', upstream: 'app' }],
  };
  assert.equal(validate(minimal), true, JSON.stringify(validate.errors));
  assert.equal(validate({ ...minimal, listner: [] }), false);
});
