/** API8: plain HTTP to a non-local target, or TLS older than 1.2 offered. */
import { type ConnectionOptions, connect } from 'node:tls';
import type { Check } from '../context.ts';
import type { CheckMeta } from '../types.ts';

const meta: CheckMeta = {
  id: 'weak-transport',
  title: 'Plain HTTP or TLS below 1.2',
  category: 'API8',
  cwe: 319,
  severity: 'medium',
  severityReason:
    'Needs a network position (same Wi-Fi, a hop on the path); then credentials and data are read or changed in transit.',
  description:
    'The API is reached over plain HTTP on a non-loopback host, or its TLS endpoint completes a TLS 1.0/1.1 handshake.',
  remediation:
    'Serve HTTPS only with TLS 1.2+; the Rampart gateway listener `tls` (minVersion TLSv1.2) terminates TLS in front of the API.',
};

const LOOPBACK = /^(localhost|127\.\d{1,3}\.\d{1,3}\.\d{1,3}|\[::1\])$/i;

function oldTlsAccepted(host: string, port: number): Promise<string | undefined> {
  return new Promise((resolve) => {
    const options: ConnectionOptions = {
      host,
      port,
      minVersion: 'TLSv1',
      maxVersion: 'TLSv1.1',
      ciphers: 'DEFAULT@SECLEVEL=0',
      rejectUnauthorized: false,
      timeout: 5000,
    };
    if (!/^[\d.]+$|:/.test(host)) options.servername = host;
    const socket = connect(options);
    const done = (v: string | undefined): void => {
      socket.destroy();
      resolve(v);
    };
    socket.once('secureConnect', () => done(socket.getProtocol() ?? 'TLSv1.x'));
    socket.once('error', () => done(undefined));
    socket.once('timeout', () => done(undefined));
  });
}

/** For https targets, tries a TLS 1.0/1.1 handshake; for http targets off loopback, reports plain HTTP. */
export const transportCheck: Check = {
  meta,
  order: 10,
  units: () => [{ op: null, label: 'plain HTTP / TLS versions offered', destructive: false }],
  async run(_unit, ctx) {
    const t = ctx.target;
    const request = { method: 'CONNECT', url: t.origin, headers: {} };
    if (t.protocol === 'http:') {
      if (LOOPBACK.test(t.hostname)) return;
      ctx.report(meta, {
        op: null,
        key: 'http',
        message: `The API answers over plain HTTP at ${t.origin}.`,
        evidence: [{ request, response: null, note: 'target URL scheme is http' }],
      });
      return;
    }
    const host = t.hostname.replace(/^\[|\]$/g, '');
    const version = await oldTlsAccepted(host, Number(t.port || 443));
    if (version !== undefined) {
      ctx.report(meta, {
        op: null,
        key: 'tls',
        message: `The TLS endpoint ${t.host} completed a ${version} handshake.`,
        evidence: [
          { request, response: null, note: `TLS handshake with maxVersion TLSv1.1 succeeded (${version})` },
        ],
      });
    }
  },
};
