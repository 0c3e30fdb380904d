import type { Rule } from '../types.ts';
import {
  apiKeyInQuery,
  basicAuth,
  bearerWithoutFormat,
  noSecurity,
  oauthDeprecatedFlow,
  publicOperation,
  undefinedScheme,
} from './auth.ts';
import { privilegedWithoutAuthz } from './authz.ts';
import {
  missingPagination,
  sensitiveInQuery,
  sensitiveInResponse,
  sequentialId,
  unboundedPageSize,
  urlInput,
} from './data.ts';
import { duplicateOperationId, missingOperationId } from './inventory.ts';
import { invalidIgnore } from './meta.ts';
import { missing4xx, missing401, missing403, missing429, rateLimitHeadersMissing } from './responses.ts';
import {
  openRequestObject,
  readOnlyInRequest,
  unboundedArray,
  unboundedNumber,
  unboundedString,
} from './schemas.ts';
import { credentialsOverHttp, httpServer } from './transport.ts';

/** Every built-in audit rule, in report order (by OWASP category). */
export const RULES: readonly Rule[] = Object.freeze([
  sequentialId,
  noSecurity,
  undefinedScheme,
  credentialsOverHttp,
  apiKeyInQuery,
  oauthDeprecatedFlow,
  basicAuth,
  bearerWithoutFormat,
  sensitiveInQuery,
  missing401,
  publicOperation,
  sensitiveInResponse,
  openRequestObject,
  readOnlyInRequest,
  unboundedString,
  unboundedNumber,
  unboundedArray,
  unboundedPageSize,
  missingPagination,
  missing429,
  rateLimitHeadersMissing,
  privilegedWithoutAuthz,
  missing403,
  urlInput,
  httpServer,
  missing4xx,
  missingOperationId,
  duplicateOperationId,
  invalidIgnore,
]);
