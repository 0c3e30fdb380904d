import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { Ajv } from 'ajv';
import addFormatsModule from 'ajv-formats';

// The official SARIF 2.1.0 JSON Schema (OASIS, rtm.5), as Microsoft ships it with @microsoft/jest-sarif.
const require = createRequire(import.meta.url);
const file = require.resolve('@microsoft/jest-sarif/lib/schemas/sarif-2.1.0-rtm.5.json');
const raw = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
// Written in draft-04, whose only difference that matters here is `id` for `$id`; one of its patterns
// (language, `…]?$`) is invalid as a unicode regular expression, hence unicodeRegExp: false.
const { id, $schema: _draft, ...rest } = raw;
const schema = { ...rest, $id: String(id) };

const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;
const ajv = new Ajv({
  strict: false,
  allErrors: true,
  logger: false,
  validateFormats: true,
  unicodeRegExp: false,
});
addFormats(ajv);
const validate = ajv.compile(schema);

/** The errors of `log` against the official SARIF 2.1.0 schema; [] when it is valid. */
export function sarifErrors(log: unknown): string[] {
  if (validate(log)) return [];
  return (validate.errors ?? []).slice(0, 20).map((e) => `${e.instancePath || '/'} ${e.message ?? ''}`);
}
