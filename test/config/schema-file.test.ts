import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { RampartConfig } from '../../src/config/schema.ts';

test('schema/rampart.schema.json is up to date with the TypeBox schema (run npm run schema)', () => {
  const file = JSON.parse(readFileSync(new URL('../../schema/rampart.schema.json', import.meta.url), 'utf8'));
  delete file.$schema;
  assert.deepEqual(file, JSON.parse(JSON.stringify(RampartConfig)));
});
