/** Every scanner check, one module each, with its OWASP API Top 10 (2023) category in its metadata. */
import type { Check } from '../context.ts';
import { authMissingCheck } from './auth-missing.ts';
import { bflaCheck } from './bfla.ts';
import { bolaCheck } from './bola.ts';
import { cmdiCheck } from './cmdi.ts';
import { corsCheck } from './cors.ts';
import { graphqlIntrospectionCheck } from './graphql-introspection.ts';
import { jwtKeyConfusionCheck } from './jwt-key-confusion.ts';
import { jwtValidationCheck } from './jwt-validation.ts';
import { jwtWeakSecretCheck } from './jwt-weak-secret.ts';
import { largeBodyCheck } from './large-body.ts';
import { loginNoLimitCheck } from './login-no-limit.ts';
import { massAssignmentCheck } from './mass-assignment.ts';
import { methodSwapCheck } from './method-swap.ts';
import { noRateLimitCheck } from './no-rate-limit.ts';
import { nosqliCheck } from './nosqli.ts';
import { securityHeadersCheck } from './security-headers.ts';
import { sensitiveDataCheck } from './sensitive-data.ts';
import { serverBannerCheck } from './server-banner.ts';
import { sqliCheck } from './sqli.ts';
import { ssrfCheck } from './ssrf.ts';
import { ssrfInternalCheck } from './ssrf-internal.ts';
import { tokenInQueryCheck } from './token-in-query.ts';
import { traceCheck } from './trace.ts';
import { transportCheck } from './transport.ts';
import { traversalCheck } from './traversal.ts';
import { unboundedPageSizeCheck } from './unbounded-page-size.ts';
import { undeclaredPropertiesCheck } from './undeclared-properties.ts';
import { undocumentedPathsCheck } from './undocumented-paths.ts';
import { userEnumerationCheck } from './user-enumeration.ts';
import { verboseErrorsCheck } from './verbose-errors.ts';

/** All checks, grouped by category (the engine orders them by `order`). */
export const CHECKS: readonly Check[] = Object.freeze([
  bolaCheck,
  authMissingCheck,
  jwtValidationCheck,
  jwtKeyConfusionCheck,
  jwtWeakSecretCheck,
  tokenInQueryCheck,
  userEnumerationCheck,
  loginNoLimitCheck,
  massAssignmentCheck,
  undeclaredPropertiesCheck,
  sensitiveDataCheck,
  noRateLimitCheck,
  unboundedPageSizeCheck,
  largeBodyCheck,
  bflaCheck,
  methodSwapCheck,
  ssrfCheck,
  ssrfInternalCheck,
  corsCheck,
  securityHeadersCheck,
  traceCheck,
  verboseErrorsCheck,
  serverBannerCheck,
  transportCheck,
  undocumentedPathsCheck,
  graphqlIntrospectionCheck,
  sqliCheck,
  nosqliCheck,
  cmdiCheck,
  traversalCheck,
]);
