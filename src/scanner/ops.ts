/** Facts about operations the checks share: security, admin-ness, schemas, the login operation. */
import type { Operation } from '../openapi/operations.ts';

type Schema = Readonly<Record<string, unknown>>;

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** `METHOD /path`, the key operations are told apart by. */
export function opKey(op: Operation): string {
  return `${op.method.toUpperCase()} ${op.path}`;
}

/** Find an operation by operationId or `METHOD /path`. */
export function findOperation(ops: readonly Operation[], ref: string): Operation | undefined {
  const byId = ops.find((o) => o.operationId === ref);
  if (byId !== undefined) return byId;
  const upper = ref.trim().replace(/\s+/, ' ');
  return ops.find((o) => opKey(o).toLowerCase() === upper.toLowerCase());
}

/** Whether an operation requires credentials (declared security with at least one requirement). */
export function isSecured(op: Operation): boolean {
  return (
    op.security !== undefined && op.security.length > 0 && op.security.every((r) => Object.keys(r).length > 0)
  );
}

/** Whether an operation is meant for privileged callers: admin tag, path, operationId, or x-rampart roles. */
export function isAdminOperation(op: Operation, privilegedRoles: readonly string[]): boolean {
  if (op.tags.some((t) => /^(admin|administration|internal|management|staff)$/i.test(t))) return true;
  if (/\/(admin|administration|internal|manage|management|staff)(\/|$)/i.test(op.path)) return true;
  if (op.operationId !== undefined && /^admin/i.test(op.operationId)) return true;
  const ext = op.extensions['x-rampart'];
  if (isObject(ext) && Array.isArray(ext.roles)) {
    return ext.roles.some((r) => typeof r === 'string' && privilegedRoles.includes(r));
  }
  return false;
}

/** Whether this is the login operation: x-rampart.login, or a POST whose path/operationId says login. */
export function isLoginOperation(op: Operation): boolean {
  const ext = op.extensions['x-rampart'];
  if (isObject(ext) && isObject(ext.login)) return true;
  if (op.method !== 'post') return false;
  return (
    /(^|\/)(login|signin|sign-in|authenticate|session|sessions)$/i.test(op.path) ||
    /^(login|signin|logIn|signIn)$/.test(op.operationId ?? '')
  );
}

/** The JSON request body schema, when the operation takes JSON. */
export function jsonRequestSchema(op: Operation): Schema | undefined {
  const content = op.requestBody?.content;
  if (content === undefined) return undefined;
  for (const [type, media] of Object.entries(content)) {
    if (/^application\/([a-z.+-]*\+)?json\b/i.test(type)) return media.schema ?? {};
  }
  return undefined;
}

/** The documented JSON response schema for a status (exact, then 2XX, then default). */
export function jsonResponseSchema(op: Operation, status: number): Schema | undefined {
  const candidates = [String(status), `${String(status)[0]}XX`, `${String(status)[0]}xx`, 'default'];
  for (const key of candidates) {
    const response = op.responses[key];
    if (!isObject(response) || !isObject(response.content)) continue;
    for (const [type, media] of Object.entries(response.content)) {
      if (/^application\/([a-z.+-]*\+)?json\b/i.test(type) && isObject(media) && isObject(media.schema)) {
        return media.schema;
      }
    }
  }
  return undefined;
}

/** Path parameter names in template order. */
export function pathParamNames(op: Operation): string[] {
  const out: string[] = [];
  for (const m of op.path.matchAll(/\{([^{}]{1,100})\}/g)) out.push(m[1] as string);
  return out;
}
