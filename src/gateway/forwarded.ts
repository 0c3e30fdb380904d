import type { IncomingMessage } from 'node:http';
import type { BlockList } from 'node:net';
import { isIP } from 'node:net';

/** Who the client is and how it reached us, taking forwarding headers only from trusted proxies. */
export interface ClientInfo {
  readonly ip: string;
  readonly proto: 'http' | 'https';
  readonly host: string;
  /** X-Forwarded-For to send upstream: the trusted chain plus the peer. */
  readonly forwardedFor: string;
}

const MAX_HOPS = 32;

function family(ip: string): 'ipv4' | 'ipv6' {
  return isIP(ip) === 6 ? 'ipv6' : 'ipv4';
}

function stripMapped(ip: string): string {
  return ip.startsWith('::ffff:') && isIP(ip.slice(7)) === 4 ? ip.slice(7) : ip;
}

function headerValue(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v.join(', ') : v;
}

/**
 * Resolve the client. The client's own X-Forwarded-* are ignored unless the direct peer is a trusted
 * proxy; then the chain is walked from the right and the first untrusted hop is the client. Never
 * appends to what an untrusted client sent.
 */
export function resolveClient(
  req: IncomingMessage,
  secure: boolean,
  trusted: BlockList,
  hasTrusted: boolean,
): ClientInfo {
  const peer = stripMapped(req.socket.remoteAddress ?? '0.0.0.0');
  const host = req.headers.host ?? '';
  const proto = secure ? 'https' : 'http';
  if (!hasTrusted || !trusted.check(peer, family(peer))) {
    return { ip: peer, proto, host, forwardedFor: peer };
  }
  const xff = headerValue(req, 'x-forwarded-for');
  const hops =
    xff === undefined
      ? []
      : xff
          .split(',', MAX_HOPS + 1)
          .slice(0, MAX_HOPS)
          .map((h) => stripMapped(h.trim()))
          .filter((h) => isIP(h) !== 0);
  let ip = peer;
  let kept = hops.length;
  for (let i = hops.length - 1; i >= 0; i--) {
    ip = hops[i]!;
    kept = i;
    if (!trusted.check(ip, family(ip))) break;
  }
  const chain = [...hops.slice(kept), peer].join(', ');
  const fProto = headerValue(req, 'x-forwarded-proto')?.split(',')[0]?.trim().toLowerCase();
  const fHost = headerValue(req, 'x-forwarded-host')?.split(',')[0]?.trim();
  return {
    ip,
    proto: fProto === 'https' ? 'https' : fProto === 'http' ? 'http' : proto,
    host: fHost !== undefined && fHost !== '' && fHost.length <= 255 ? fHost : host,
    forwardedFor: chain,
  };
}

/** The RFC 7239 Forwarded value for the upstream, rebuilt from resolved facts only. */
export function forwardedHeader(client: ClientInfo): string {
  const forNode = isIP(client.ip) === 6 ? `"[${client.ip}]"` : client.ip;
  const host = /^[A-Za-z0-9.:[\]-]{1,255}$/.test(client.host) ? client.host : undefined;
  return `for=${forNode};proto=${client.proto}${host === undefined ? '' : `;host="${host}"`}`;
}
