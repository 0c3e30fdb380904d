import { createHash } from 'node:crypto';
import type { TLSSocket } from 'node:tls';

/** Why a token's certificate binding (RFC 8705) does not hold. */
export type BindingFailure = 'no-certificate' | 'no-confirmation' | 'mismatch';

const THUMBPRINT = /^[A-Za-z0-9_-]{43}$/;
const cache = new WeakMap<object, string | null>();

/**
 * The RFC 8705 thumbprint (base64url SHA-256 of the DER) of the verified client certificate of the
 * connection, or undefined without one. An unverified certificate binds nothing. Cached per socket.
 */
export function clientCertThumbprint(socket: object): string | undefined {
  const known = cache.get(socket);
  if (known !== undefined) return known ?? undefined;
  const tls = socket as Partial<TLSSocket>;
  let result: string | null = null;
  if (tls.encrypted === true && tls.authorized === true && typeof tls.getPeerCertificate === 'function') {
    const cert = tls.getPeerCertificate();
    const raw = (cert as { raw?: unknown } | null)?.raw;
    if (Buffer.isBuffer(raw) && raw.byteLength > 0) {
      result = createHash('sha256').update(raw).digest('base64url');
    }
  }
  cache.set(socket, result);
  return result ?? undefined;
}

/** The `cnf.x5t#S256` confirmation of a token's claims, or undefined when it has none or a malformed one. */
export function confirmationThumbprint(claims: Readonly<Record<string, unknown>>): string | undefined {
  const cnf = claims.cnf;
  if (typeof cnf !== 'object' || cnf === null || Array.isArray(cnf)) return undefined;
  const v = (cnf as Record<string, unknown>)['x5t#S256'];
  return typeof v === 'string' && THUMBPRINT.test(v) ? v : undefined;
}

/**
 * Check a token's certificate binding against the connection: a token that carries `cnf.x5t#S256`
 * must match the client certificate (RFC 8705 §3); with `required`, a token without one is refused.
 * Thumbprints are public values, so a plain comparison leaks nothing.
 */
export function checkCertificateBinding(
  claims: Readonly<Record<string, unknown>>,
  socket: object,
  required: boolean,
): BindingFailure | undefined {
  const hasCnf =
    typeof claims.cnf === 'object' && claims.cnf !== null && 'x5t#S256' in (claims.cnf as object);
  if (!hasCnf && !required) return undefined;
  const expected = confirmationThumbprint(claims);
  if (expected === undefined) return 'no-confirmation';
  const actual = clientCertThumbprint(socket);
  if (actual === undefined) return 'no-certificate';
  return actual === expected ? undefined : 'mismatch';
}
