/** Which login body fields hold the username and the password. */
import type { Operation } from '../../openapi/operations.ts';

/** The username and password field names of a login body, when they can be told. */
export function loginFields(
  op: Operation,
  body: Readonly<Record<string, unknown>> | undefined,
): { user: string; password: string } | undefined {
  if (body === undefined) return undefined;
  const keys = Object.keys(body);
  const ext = op.extensions['x-rampart'] as { login?: { usernameField?: unknown } } | undefined;
  const declared = ext?.login?.usernameField;
  const user =
    (typeof declared === 'string' && keys.includes(declared) ? declared : undefined) ??
    keys.find((k) => /^(user(name)?|login|email|account|name)$/i.test(k));
  const password = keys.find((k) => /pass(word)?|pwd|secret/i.test(k));
  return user !== undefined && password !== undefined ? { user, password } : undefined;
}
