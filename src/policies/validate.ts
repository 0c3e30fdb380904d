/**
 * The validate phase: the positive security model compiled from the OpenAPI operation. Path,
 * query, header and cookie parameters are deserialized by their style and checked; the body's
 * Content-Type must be one the operation declares; JSON, form and multipart bodies are decoded
 * under caps and checked by ajv validators compiled once per operation and media type.
 * Properties the request schema does not declare are refused (mass assignment), or stripped from
 * JSON bodies where a route says `validate.unknownProperties: strip`; read-only ones are refused.
 */
import type { Ajv2020 } from 'ajv/dist/2020.js';
import type { ValidationConfig } from '../config/schema.ts';
import { ConfigError, type ProblemError, type Refusal, refuse } from '../errors.ts';
import {
  CONTINUE,
  type PhaseEntry,
  type RequestContext,
  readBody,
  type Verdict,
} from '../gateway/pipeline.ts';
import type { LoadedDocument } from '../openapi/load.ts';
import type { Operation } from '../openapi/operations.ts';
import { mayLoseNumbers, parseExactJson } from '../util/exact-json.ts';
import {
  type BodyLimits,
  decodeForm,
  decodeJson,
  decodeMultipart,
  type ParsedBody,
} from '../validate/body.ts';
import { type BodyKind, bodyKind, matchMediaType, parseMediaType } from '../validate/content-type.ts';
import { compileParameters, ParameterError } from '../validate/params.ts';
import {
  createRequestAjv,
  type ErrorObject,
  toRequestSchema,
  type ValidateFunction,
} from '../validate/schema.ts';
import { summarize, violation, violationsFromAjv } from '../validate/violations.ts';
import type { PolicyCompileContext, PolicyFactory } from './registry.ts';

/** The key of `ctx.facts` where the decoded body is left for the inspect phase. */
export const PARSED_BODY_FACT = 'parsedBody';

/** The decoded body a previous phase left, if any. */
export function getParsedBody(ctx: RequestContext): ParsedBody | undefined {
  return ctx.facts[PARSED_BODY_FACT] as ParsedBody | undefined;
}

interface MediaEntry {
  readonly kind: BodyKind;
  readonly validate: ValidateFunction | undefined;
  /** The document's schema (for coercing form and multipart fields). */
  readonly schema: unknown;
  readonly encoding: unknown;
}

// One ajv per loaded document: its compiled schemas go away with the plan that used them.
const ajvs = new WeakMap<LoadedDocument, Ajv2020>();

function ajvFor(doc: LoadedDocument): Ajv2020 {
  let ajv = ajvs.get(doc);
  if (ajv === undefined) {
    ajv = createRequestAjv();
    ajvs.set(doc, ajv);
  }
  return ajv;
}

function where(c: PolicyCompileContext, op: Operation) {
  return {
    file: op.location?.file ?? c.document.file,
    line: op.location?.line,
    column: op.location?.column,
    key: `${c.method} ${c.template}`,
  };
}

function compileSchema(
  c: PolicyCompileContext,
  op: Operation,
  schema: unknown,
  what: string,
): ValidateFunction {
  try {
    const translated = toRequestSchema(schema, { dialect: c.document.version, closeObjects: true });
    return ajvFor(c.document).compile(translated);
  } catch (err) {
    throw new ConfigError(
      `${what} cannot be compiled for validation: ${(err as Error).message.slice(0, 200)}`,
      where(c, op),
    );
  }
}

const NO_BODY = refuse('input.content_type', 'this operation takes no request body');
const NO_TYPE = refuse('input.content_type', 'a Content-Type is required');
const UNDECLARED_TYPE = refuse('input.content_type', 'this Content-Type is not declared for the operation');
const CHARSET = refuse('input.content_type', 'only UTF-8 is accepted');
const BODY_REQUIRED: Refusal = {
  code: 'input.schema',
  detail: 'a request body is required',
  errors: [violation('/body', 'is required')],
};
const TOO_LARGE = refuse('request.body.too_large');

function schemaRefusal(violations: ProblemError[]): Refusal {
  return { code: 'input.schema', detail: summarize(violations), errors: violations };
}

function hasBody(ctx: RequestContext): boolean {
  const h = ctx.req.headers;
  if (h['transfer-encoding'] !== undefined) return true;
  const cl = h['content-length'];
  return cl !== undefined && cl !== '0';
}

function unescapeSegment(s: string): string {
  return s.replaceAll('~1', '/').replaceAll('~0', '~');
}

/** Delete the property an unknown-property error names. */
function deleteUnknown(root: unknown, e: ErrorObject): void {
  let node = root;
  for (const seg of e.instancePath.split('/').slice(1)) {
    if (typeof node !== 'object' || node === null) return;
    node = (node as Record<string, unknown>)[unescapeSegment(seg)];
  }
  const p = e.params as { unevaluatedProperty?: string; additionalProperty?: string };
  const name = p.unevaluatedProperty ?? p.additionalProperty;
  if (typeof node === 'object' && node !== null && name !== undefined)
    delete (node as Record<string, unknown>)[name];
}

const isUnknown = (e: ErrorObject) =>
  e.keyword === 'unevaluatedProperties' || e.keyword === 'additionalProperties';

/** Swap the body the proxy forwards (after stripping) and keep Content-Length true to it. */
function replaceBody(ctx: RequestContext, body: Buffer): void {
  ctx.body = body;
  const raw = ctx.req.rawHeaders;
  // the proxy copies rawHeaders; its Content-Length must describe the bytes actually sent
  for (let i = 0; i < raw.length; i += 2) {
    if (raw[i]!.toLowerCase() === 'content-length') raw[i + 1] = String(body.byteLength);
  }
}

/** Compile validation for one operation (exported for tests); null when nothing needs checking. */
export function compileValidation(c: PolicyCompileContext, op: Operation, g: Readonly<ValidationConfig>) {
  const r = c.policy.validate;
  const strip = (r?.unknownProperties ?? g.unknownProperties) === 'strip';
  const limits: BodyLimits = {
    json: { maxDepth: g.maxJsonDepth, maxElements: g.maxJsonElements },
    multipart: { maxParts: g.maxParts, maxPartBytes: g.maxPartBytes },
    checkMagicBytes: g.checkMagicBytes,
  };
  const maxBody = c.policy.maxBodyBytes ?? c.config.limits.maxBodyBytes;

  let deserialize: ReturnType<typeof compileParameters>;
  try {
    deserialize = compileParameters(op.parameters, {
      unknownQuery: r?.unknownQueryParameters ?? g.unknownQueryParameters,
      json: limits.json,
    });
  } catch (err) {
    if (err instanceof ParameterError) throw new ConfigError(err.message, where(c, op));
    throw err;
  }
  // one object schema over every location, so one ajv call checks every parameter
  const locations: Record<
    string,
    { type: 'object'; properties: Record<string, unknown>; required: string[] }
  > = {};
  for (const where of ['path', 'query', 'header', 'cookie']) {
    locations[where] = { type: 'object', properties: {}, required: [] };
  }
  for (const p of op.parameters) {
    const loc = locations[p.in]!;
    loc.properties[p.name] = p.schema ?? {};
    if (p.required) loc.required.push(p.name);
  }
  const validateParams = compileSchema(c, op, { type: 'object', properties: locations }, 'the parameters');

  const body = op.requestBody;
  const media = new Map<string, MediaEntry>();
  if (body !== undefined) {
    for (const [key, m] of Object.entries(body.content)) {
      const essence = key.split(';', 1)[0]!.trim().toLowerCase();
      const kind = bodyKind(essence);
      const parses = kind === 'json' || kind === 'form' || kind === 'multipart';
      const rawMedia = (body.raw.content as Record<string, Record<string, unknown>> | undefined)?.[key];
      media.set(key, {
        kind,
        validate:
          parses && m.schema !== undefined ? compileSchema(c, op, m.schema, `the ${key} body`) : undefined,
        schema: m.schema,
        encoding: rawMedia?.encoding,
      });
    }
  }
  const declared = [...media.keys()];

  /** Null: valid; the violations; or the unknown properties whose removal made `value` valid. */
  const checkValue = (
    v: ValidateFunction | undefined,
    value: unknown,
    mayStrip: boolean,
  ): ProblemError[] | { readonly stripped: readonly ErrorObject[] } | null => {
    if (v === undefined || v(value)) return null;
    const errors = v.errors ?? [];
    if (mayStrip && errors.some(isUnknown)) {
      if (errors.every(isUnknown)) {
        for (const e of errors) deleteUnknown(value, e);
        if (v(value)) return { stripped: errors };
        return violationsFromAjv(v.errors ?? [], '/body');
      }
      return violationsFromAjv(
        errors.filter((e) => !isUnknown(e)),
        '/body',
      );
    }
    return violationsFromAjv(errors, '/body');
  };

  return async function validateRequest(ctx: RequestContext): Promise<Verdict> {
    const d = deserialize({ query: ctx.query, path: ctx.params, headers: ctx.req.headers });
    if (d.violations.length > 0) return { kind: 'refuse', refusal: schemaRefusal(d.violations) };
    if (!validateParams(d.values)) {
      return { kind: 'refuse', refusal: schemaRefusal(violationsFromAjv(validateParams.errors ?? [], '')) };
    }

    const present = hasBody(ctx);
    if (body === undefined) return present ? { kind: 'refuse', refusal: NO_BODY } : CONTINUE;
    const header = ctx.req.headers['content-type'];
    if (header === undefined) {
      if (present) return { kind: 'refuse', refusal: NO_TYPE };
      return body.required ? { kind: 'refuse', refusal: BODY_REQUIRED } : CONTINUE;
    }
    const type = parseMediaType(header);
    if (type === undefined) return { kind: 'refuse', refusal: UNDECLARED_TYPE };
    const key = matchMediaType(type.type, declared);
    if (key === undefined) return { kind: 'refuse', refusal: UNDECLARED_TYPE };
    if (!present) return body.required ? { kind: 'refuse', refusal: BODY_REQUIRED } : CONTINUE;
    const entry = media.get(key)!;
    const kind = bodyKind(type.type);
    if (kind !== 'json' && kind !== 'form' && kind !== 'multipart') return CONTINUE;
    const charset = type.params.get('charset')?.toLowerCase();
    if (charset !== undefined && charset !== 'utf-8' && charset !== 'utf8')
      return { kind: 'refuse', refusal: CHARSET };

    const bytes = await readBody(ctx, maxBody);
    if (bytes === null) return { kind: 'refuse', refusal: TOO_LARGE };
    if (bytes.byteLength === 0) return body.required ? { kind: 'refuse', refusal: BODY_REQUIRED } : CONTINUE;

    let value: unknown;
    let parsed: ParsedBody;
    if (kind === 'json') {
      const decoded = decodeJson(bytes, limits.json);
      if ('code' in decoded) return { kind: 'refuse', refusal: decoded };
      value = decoded.value;
      parsed = { kind: 'json', value };
    } else if (kind === 'form') {
      const decoded = decodeForm(bytes, entry.schema);
      if ('code' in decoded) return { kind: 'refuse', refusal: decoded };
      value = decoded.value;
      parsed = { kind: 'form', fields: decoded.fields };
    } else {
      const boundary = type.params.get('boundary');
      if (boundary === undefined)
        return { kind: 'refuse', refusal: refuse('input.multipart', 'no boundary parameter') };
      const decoded = decodeMultipart(bytes, boundary, entry.schema, entry.encoding, limits);
      if ('code' in decoded) return { kind: 'refuse', refusal: decoded };
      value = decoded.value;
      parsed = { kind: 'multipart', fields: decoded.fields };
    }
    // forms and multipart are forwarded as sent (stripping them would mean re-encoding): refused
    const result = checkValue(entry.validate, value, strip && kind === 'json');
    if (result !== null && 'stripped' in result) {
      // where JSON.parse may have rounded a number, the same removals on the body read with its
      // numbers exact: an id no double holds goes upstream as the client wrote it (the bytes were
      // valid UTF-8 JSON a moment ago); otherwise the stripped value already is exact
      let out = value;
      const text = bytes.toString('utf8');
      if (mayLoseNumbers(text)) {
        out = parseExactJson(text);
        for (const e of result.stripped) deleteUnknown(out, e);
      }
      replaceBody(ctx, Buffer.from(JSON.stringify(out)));
    } else if (result !== null) return { kind: 'refuse', refusal: schemaRefusal(result) };
    ctx.facts[PARSED_BODY_FACT] = parsed;
    return CONTINUE;
  };
}

/** The `validation` section's defaults (see config/schema.ts). */
export const VALIDATION_DEFAULTS: ValidationConfig = Object.freeze({
  enabled: false,
  unknownProperties: 'refuse',
  unknownQueryParameters: 'refuse',
  maxJsonDepth: 32,
  maxJsonElements: 10_000,
  maxParts: 32,
  maxPartBytes: 5_242_880,
  checkMagicBytes: true,
});

/** Request validation from the OpenAPI document (phase validate). */
export const validatePolicy: PolicyFactory = {
  name: 'validate',
  phase: 'validate',
  compile(c: PolicyCompileContext): PhaseEntry | null {
    // configs built in code (tests) may lack the section: its defaults apply
    const g = (c.config.validation as ValidationConfig | undefined) ?? VALIDATION_DEFAULTS;
    const r = c.policy.validate;
    const op = c.operation;
    if (op === undefined || !(r?.enabled ?? g.enabled)) return null;
    const mode = r?.mode ?? c.policy.mode ?? g.mode ?? c.mode;
    return { name: 'validate', mode, run: compileValidation(c, op, g) };
  },
};
