/** API3: responses carry sensitive data (card numbers, password hashes, secrets, national ids). */
import { classifyFieldName, classifyValue, type SensitiveType } from '../../detect/sensitive/index.ts';
import type { Check } from '../context.ts';
import { jsonResponseSchema } from '../ops.ts';
import type { CheckMeta } from '../types.ts';
import { stringsOf, undeclaredProperties } from './response-walk.ts';
import { actor, ok, parseJson, perOperation } from './util.ts';

const meta: CheckMeta = {
  id: 'sensitive-data',
  title: 'Responses expose sensitive data',
  category: 'API3',
  cwe: 359,
  severity: 'high',
  severityReason:
    'Any caller of the operation reads card numbers, password hashes or secrets: direct loss of regulated data, offline cracking.',
  description:
    'The sensitive-data classifiers find card numbers (Luhn), IBANs, national ids, password hashes, keys or secrets in a response; emails, phones and IPs only when the schema does not declare the field.',
  remediation:
    'Do not return them; the Rampart gateway `response` policy masks sensitive data (response.mask: card, iban, password_hash, …) and its schema allowlist drops undeclared fields.',
};

const ALWAYS: ReadonlySet<SensitiveType> = new Set([
  'card',
  'iban',
  'ssn',
  'national_id',
  'password_hash',
  'private_key',
  'api_key',
  'secret_field',
]);
const BY_NAME: ReadonlySet<SensitiveType> = new Set([
  'password_hash',
  'secret_field',
  'api_key',
  'private_key',
]);
const IF_UNDECLARED: ReadonlySet<SensitiveType> = new Set(['email', 'phone', 'ip']);

/** Classifies every string of each operation's normal response. */
export const sensitiveDataCheck: Check = {
  meta,
  order: 20,
  units: (plan) =>
    perOperation(
      plan,
      (op) => op.method === 'get' || op.method === 'post',
      () => 'classify response values',
    ),
  async run(unit, ctx) {
    const op = unit.op;
    if (op === null || op === ctx.loginOperation) return;
    const ex = await ctx.baseline(op, actor(ctx, op));
    if (!ok(ex)) return;
    const value = parseJson(ex.response.body);
    if (value === undefined) return;
    const undeclared = new Set(undeclaredProperties(value, jsonResponseSchema(op, ex.response.status)));
    const found = new Map<string, SensitiveType>();
    for (const s of stringsOf(value)) {
      const byValue = classifyValue(s.value, { fieldName: s.name })?.type;
      const byName = s.value.length >= 8 ? classifyFieldName(s.name) : null;
      const type =
        byValue !== undefined &&
        (ALWAYS.has(byValue) || (IF_UNDECLARED.has(byValue) && undeclared.has(s.path)))
          ? byValue
          : byName !== null && BY_NAME.has(byName)
            ? byName
            : undefined;
      if (type !== undefined && !found.has(s.path)) found.set(s.path, type);
    }
    if (found.size === 0) return;
    const list = [...found].slice(0, 12).map(([path, type]) => `${path} (${type})`);
    ctx.report(meta, {
      op,
      message: `${op.method.toUpperCase()} ${op.path} returns sensitive data: ${list.join(', ')}.`,
      evidence: [ctx.evidence(ex)],
    });
  },
};
