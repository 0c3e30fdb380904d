/**
 * Request bodies: decoding (JSON, url-encoded forms, multipart) into the value the schema judges,
 * compiled once per operation and media type. JSON is scanned before it is parsed (duplicate and
 * prototype keys, depth, element count); forms and multipart fields are coerced by the property
 * schemas like parameters; uploads are checked against the types declared for them and against
 * their magic bytes.
 */
import { type Refusal, type RefusalCode, refuse } from '../errors.ts';
import { coerce, itemSchema, propertySchema, shapeOf } from './coerce.ts';
import { matchMediaType } from './content-type.ts';
import { escapePointer, isForbiddenKey, type JsonLimits, parseJsonSafely } from './json-scan.ts';
import { contentMatchesType, hasSignature } from './magic.ts';
import { type MultipartLimits, type Part, parseMultipart } from './multipart.ts';
import { decodePiece, MAX_QUERY_PAIRS } from './params.ts';
import { violation } from './violations.ts';

/** What the validate phase decoded, left in `ctx.facts.parsedBody` for the inspect phase. */
export type ParsedBody =
  | { readonly kind: 'json'; readonly value: unknown }
  | { readonly kind: 'form'; readonly fields: readonly (readonly [string, string])[] }
  | { readonly kind: 'multipart'; readonly fields: readonly (readonly [string, string])[] }
  | { readonly kind: 'text'; readonly text: string };

/** Body decoding limits. */
export interface BodyLimits {
  readonly json: JsonLimits;
  readonly multipart: MultipartLimits;
  readonly checkMagicBytes: boolean;
}

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });

/** Decode UTF-8 strictly: undefined for invalid sequences (they would be replaced silently otherwise). */
export function decodeUtf8(bytes: Uint8Array): string | undefined {
  try {
    return utf8.decode(bytes);
  } catch {
    return undefined;
  }
}

function failure(code: RefusalCode, detail: string, pointer?: string): Refusal {
  if (pointer === undefined) return refuse(code, detail);
  return { code, detail, errors: [violation(`/body${pointer}`, detail)] };
}

/** Decode a JSON body: the value, or the refusal (malformed, forbidden keys, over the caps). */
export function decodeJson(bytes: Uint8Array, limits: JsonLimits): { value: unknown } | Refusal {
  const text = decodeUtf8(bytes);
  if (text === undefined) return refuse('input.json', 'the body is not valid UTF-8');
  const parsed = parseJsonSafely(text, limits);
  if (!parsed.ok) return failure(parsed.failure.code, parsed.failure.detail, parsed.failure.pointer);
  return { value: parsed.value };
}

/** Split a url-encoded body into decoded name/value pairs, refusing bad encodings and forbidden names. */
export function decodeFormPairs(bytes: Uint8Array): (readonly [string, string])[] | Refusal {
  const text = decodeUtf8(bytes);
  if (text === undefined) return refuse('input.schema', 'the form is not valid UTF-8');
  const out: [string, string][] = [];
  if (text === '') return out;
  const parts = text.split('&', MAX_QUERY_PAIRS + 1);
  if (parts.length > MAX_QUERY_PAIRS) return refuse('input.limits', 'too many form fields');
  for (const part of parts) {
    if (part === '') continue;
    const eq = part.indexOf('=');
    const name = decodePiece(eq < 0 ? part : part.slice(0, eq), true);
    const value = decodePiece(eq < 0 ? '' : part.slice(eq + 1), true);
    if (name === undefined || value === undefined) return refuse('input.schema', 'malformed form encoding');
    if (isForbiddenKey(name)) return failure('input.prototype', 'forbidden key', `/${escapePointer(name)}`);
    out.push([name, value]);
  }
  return out;
}

/** Fields (name → values) into the object the schema judges: arrays collect, single values once. */
function fieldsToObject(
  fields: readonly (readonly [string, unknown])[],
  schema: unknown,
): { value: Record<string, unknown> } | Refusal {
  const grouped = new Map<string, unknown[]>();
  for (const [name, value] of fields) {
    const list = grouped.get(name);
    if (list === undefined) grouped.set(name, [value]);
    else list.push(value);
  }
  const out = Object.create(null) as Record<string, unknown>;
  for (const [name, values] of grouped) {
    const prop = propertySchema(schema, name);
    if (shapeOf(prop) === 'array') {
      const items = itemSchema(prop);
      out[name] = values.map((v) => (typeof v === 'string' ? coerce(v, items) : v));
      continue;
    }
    if (values.length > 1) {
      return {
        code: 'input.schema',
        detail: 'a field is given more than once',
        errors: [violation(`/body/${escapePointer(name)}`, 'is given more than once')],
      };
    }
    const v = values[0];
    out[name] = typeof v === 'string' ? coerce(v, prop) : v;
  }
  return { value: out };
}

/** Decode a url-encoded form body into the object its schema judges, and the pairs for inspection. */
export function decodeForm(
  bytes: Uint8Array,
  schema: unknown,
): { value: Record<string, unknown>; fields: (readonly [string, string])[] } | Refusal {
  const pairs = decodeFormPairs(bytes);
  if (!Array.isArray(pairs)) return pairs;
  const obj = fieldsToObject(pairs, schema);
  if ('code' in obj) return obj;
  return { value: obj.value, fields: pairs };
}

function isObj(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function isFileSchema(schema: unknown): boolean {
  if (!isObj(schema)) return false;
  if (schema.format === 'binary' || schema.format === 'byte') return true;
  if (typeof schema.contentMediaType === 'string' || typeof schema.contentEncoding === 'string') return true;
  const items = schema.items;
  return isObj(items) && (items.format === 'binary' || typeof items.contentMediaType === 'string');
}

/** The media types declared for one multipart field (Encoding Object, or 3.1 contentMediaType). */
function declaredPartTypes(encoding: unknown, schema: unknown, name: string): string[] | undefined {
  if (isObj(encoding) && isObj(encoding[name]) && typeof encoding[name].contentType === 'string') {
    return encoding[name].contentType
      .split(',', 32)
      .map((t) => t.trim())
      .filter((t) => t !== '');
  }
  const prop = propertySchema(schema, name);
  const target = shapeOf(prop) === 'array' ? itemSchema(prop) : prop;
  if (isObj(target) && typeof target.contentMediaType === 'string') return [target.contentMediaType];
  return undefined;
}

function uploadRefusal(name: string, detail: string): Refusal {
  return { code: 'input.upload', detail, errors: [violation(`/body/${escapePointer(name)}`, detail)] };
}

/**
 * Decode a multipart body: text fields coerced by their schemas (JSON parts parsed), files as
 * byte strings after their content types are checked; plus the text fields for inspection.
 */
export function decodeMultipart(
  bytes: Buffer,
  boundary: string,
  schema: unknown,
  encoding: unknown,
  limits: BodyLimits,
): { value: Record<string, unknown>; fields: (readonly [string, string])[] } | Refusal {
  const parsed = parseMultipart(bytes, boundary, limits.multipart);
  if (!parsed.ok) return refuse(parsed.failure.code, parsed.failure.detail);
  const fields: [string, unknown][] = [];
  const texts: [string, string][] = [];
  for (const part of parsed.parts) {
    if (isForbiddenKey(part.name))
      return failure('input.prototype', 'forbidden key', `/${escapePointer(part.name)}`);
    const prop = propertySchema(schema, part.name);
    const file = part.filename !== undefined || isFileSchema(prop);
    if (file) {
      const refusal = checkUpload(
        part,
        declaredPartTypes(encoding, schema, part.name),
        limits.checkMagicBytes,
      );
      if (refusal !== null) return refusal;
      // files are judged by length and type only: a byte string of the same length
      fields.push([part.name, part.data.toString('latin1')]);
      continue;
    }
    const text = decodeUtf8(part.data);
    if (text === undefined)
      return failure('input.schema', 'a field is not valid UTF-8', `/${escapePointer(part.name)}`);
    const type = part.contentType;
    if (type !== undefined && (type === 'application/json' || type.endsWith('+json'))) {
      const json = parseJsonSafely(text, limits.json);
      if (!json.ok) return failure(json.failure.code, json.failure.detail, `/${escapePointer(part.name)}`);
      fields.push([part.name, json.value]);
    } else fields.push([part.name, text]);
    texts.push([part.name, text]);
  }
  const obj = fieldsToObject(fields, schema);
  if ('code' in obj) return obj;
  return { value: obj.value, fields: texts };
}

/** An upload's Content-Type must be one declared for its field, and its bytes must match it. */
export function checkUpload(
  part: Part,
  declared: readonly string[] | undefined,
  magic: boolean,
): Refusal | null {
  const type = part.contentType ?? 'application/octet-stream';
  if (declared !== undefined && declared.length > 0 && matchMediaType(type, declared) === undefined) {
    return uploadRefusal(part.name, 'file type not accepted for this field');
  }
  if (magic && !contentMatchesType(type, part.data)) {
    return uploadRefusal(
      part.name,
      hasSignature(type) ? 'file content does not match its type' : 'executable content',
    );
  }
  return null;
}
