import type { TLSSocket } from 'node:tls';
import { refuse } from '../errors.ts';
import { type Authenticator, type AuthOutcome, authFailureChannel } from './authenticators.ts';
import { consumerOf } from './claims.ts';

/** Which certificate field names the consumer. */
export type CertField = 'subject.CN' | 'san.dns' | 'san.uri' | 'san.email';

const SAN_PREFIX: Record<Exclude<CertField, 'subject.CN'>, string> = {
  'san.dns': 'DNS:',
  'san.uri': 'URI:',
  'san.email': 'email:',
};
const MAX_SAN_LENGTH = 8192;

/** The consumer id a verified certificate names through `field`, or undefined. */
export function certConsumer(
  cert: { subject?: Record<string, unknown> | null; subjectaltname?: string },
  field: CertField,
): string | undefined {
  if (field === 'subject.CN') {
    const cn = cert.subject?.CN;
    return consumerOf(Array.isArray(cn) ? cn[0] : cn);
  }
  const san = cert.subjectaltname;
  if (typeof san !== 'string' || san.length > MAX_SAN_LENGTH) return undefined;
  const prefix = SAN_PREFIX[field];
  for (const entry of san.split(', ')) {
    if (entry.startsWith(prefix)) return consumerOf(entry.slice(prefix.length));
  }
  return undefined;
}

/**
 * Client certificates of a TLS listener with a client CA (`tls.ca`): verified by the TLS layer against
 * that bundle, mapped to a consumer from the subject CN or a SAN. One answer per connection.
 */
export function mtlsAuthenticator(
  scheme: string,
  field: CertField,
  roles: readonly string[],
  scopes: readonly string[],
): Authenticator {
  const perSocket = new WeakMap<object, AuthOutcome>();
  const invalid: AuthOutcome = {
    kind: 'fail',
    refusal: refuse('auth.mtls.invalid', 'client certificate not accepted'),
  };
  return {
    scheme,
    challenge: 'Mutual realm="rampart"',
    async authenticate(ctx) {
      const socket = ctx.req.socket as Partial<TLSSocket>;
      if (socket.encrypted !== true || typeof socket.getPeerCertificate !== 'function')
        return { kind: 'absent' };
      const known = perSocket.get(socket);
      if (known !== undefined) return known;
      const cert = socket.getPeerCertificate();
      let outcome: AuthOutcome;
      if (cert === null || Object.keys(cert).length === 0) outcome = { kind: 'absent' };
      else if (socket.authorized !== true) outcome = invalid;
      else {
        const consumer = certConsumer(cert as never, field);
        outcome =
          consumer === undefined
            ? invalid
            : { kind: 'ok', identity: { consumer, kind: 'mtls', roles: [...roles], scopes: [...scopes] } };
      }
      if (outcome === invalid && authFailureChannel.hasSubscribers) {
        authFailureChannel.publish({ ip: ctx.clientIp, scheme, code: 'auth.mtls.invalid', credential: '-' });
      }
      perSocket.set(socket, outcome);
      return outcome;
    },
  };
}
