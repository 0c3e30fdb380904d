// Checks admin API answers against docs/admin-api.openapi.yaml, the document the dashboard is typed by.
import { readFileSync } from 'node:fs';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { parse } from 'yaml';

const DOC = parse(
  readFileSync(new URL('../../docs/admin-api.openapi.yaml', import.meta.url), 'utf8'),
) as object;
const addFormats = addFormatsModule as unknown as (ajv: Ajv2020) => Ajv2020;
const ajv = new Ajv2020({ strict: false, allErrors: true, allowUnionTypes: true, logger: false });
addFormats(ajv);
ajv.addSchema({ ...DOC, $id: 'admin-api' });

const pointer = (s: string) => s.replaceAll('~', '~0').replaceAll('/', '~1');

/** The schema errors of `body` as the `status` answer of `method path` (a path template), [] when it conforms. */
export function contractErrors(method: string, path: string, status: number, body: unknown): string[] {
  const ref = `admin-api#/paths/${pointer(path)}/${method.toLowerCase()}/responses/${status}/content/${pointer('application/json')}/schema`;
  const validate = ajv.getSchema(ref) ?? ajv.compile({ $ref: ref });
  if (validate(body)) return [];
  return (validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message ?? ''}`);
}

/** The schema errors of `body` against `#/components/schemas/<name>`, [] when it conforms. */
export function componentErrors(name: string, body: unknown): string[] {
  const ref = `admin-api#/components/schemas/${name}`;
  const validate = ajv.getSchema(ref) ?? ajv.compile({ $ref: ref });
  if (validate(body)) return [];
  return (validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message ?? ''}`);
}
