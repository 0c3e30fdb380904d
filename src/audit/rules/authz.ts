import { fieldWords } from '../../detect/sensitive/field-name.ts';
import { hasResponse, isPublic, operationLabel, operationRef } from '../context.ts';
import type { Rule, RuleHit } from '../types.ts';
import { hasAuthorization } from './responses.ts';

// Path words that mark administrative or internal functions.
const PRIVILEGED_WORDS = new Set([
  'admin',
  'admins',
  'administration',
  'internal',
  'manage',
  'management',
  'debug',
  'actuator',
  'superuser',
  'root',
]);

export const privilegedWithoutAuthz: Rule = {
  id: 'authz.admin-without-scopes',
  title: 'Administrative operation without function-level authorization',
  category: 'API5',
  severity: 'medium',
  description:
    'An admin or internal operation that any authenticated caller may invoke is broken function-level authorization: a regular user calls it by guessing the path.',
  fix: 'Require a scope or role on the operation (e.g. `oauth: [admin]`) and document its 403 response.',
  check(ctx) {
    const hits: RuleHit[] = [];
    for (const op of ctx.operations) {
      if (!fieldWords(op.path).some((w) => PRIVILEGED_WORDS.has(w))) continue;
      let message: string | undefined;
      if (isPublic(op)) message = `${operationLabel(op)} looks administrative but is public`;
      else if (!hasAuthorization(op) && !hasResponse(op, '403')) {
        message = `${operationLabel(op)} looks administrative but requires no scope or role and documents no 403`;
      }
      if (message) hits.push({ ...ctx.placeAt(op.pointer), message, operation: operationRef(op) });
    }
    return hits;
  },
};
