import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { AdminApi } from './admin-api.ts';
import { type DashboardAssets, dashboardAssets } from './dashboard-assets.ts';

/** What the admin listener serves; the gateway (or the cluster primary) supplies it. */
export interface AdminSource {
  /** Prometheus exposition text and its content type. */
  metrics(): Promise<{ contentType: string; body: string }>;
  /** True once listeners are up and the process is not draining. */
  ready(): boolean;
  /** The authenticated /api/* routes; absent (no admin.tokens) they answer 404. */
  api?: AdminApi | undefined;
  /** The dashboard's built files (default: dashboard/dist of the package). */
  dashboard?: DashboardAssets | undefined;
}

/** A started admin listener. */
export interface AdminServer {
  readonly server: Server;
  readonly url: string;
  close(): Promise<void>;
}

const SECURITY_HEADERS = {
  'x-content-type-options': 'nosniff',
  'cache-control': 'no-store',
  'content-security-policy': "default-src 'none'; frame-ancestors 'none'",
};

/**
 * Start the admin listener (/healthz, /readyz, /metrics, /api/* and the dashboard at /); bind
 * 127.0.0.1 unless configured otherwise.
 */
export async function startAdminServer(
  host: string,
  port: number,
  source: AdminSource,
): Promise<AdminServer> {
  const dashboard = source.dashboard ?? dashboardAssets();
  const server = createServer({ headersTimeout: 5_000, requestTimeout: 10_000 }, (req, res) => {
    const path = (req.url ?? '/').split('?', 1)[0];
    const send = (status: number, body: string, type = 'application/json') => {
      res.writeHead(status, {
        ...SECURITY_HEADERS,
        'content-type': type,
        'content-length': Buffer.byteLength(body),
      });
      res.end(body);
    };
    if (path === '/api' || path?.startsWith('/api/') === true) {
      if (source.api !== undefined) return source.api.handle(req, res, path);
      req.resume();
      return send(404, '{"error":"not found"}');
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') return send(405, '{"error":"method not allowed"}');
    switch (path) {
      case '/healthz':
        return send(200, '{"status":"ok"}');
      case '/readyz':
        return source.ready() ? send(200, '{"status":"ready"}') : send(503, '{"status":"not ready"}');
      case '/metrics':
        source.metrics().then(
          (m) => send(200, m.body, m.contentType),
          () => send(500, '{"error":"metrics unavailable"}'),
        );
        return;
      default:
        // the dashboard needs the API: without admin.tokens there is nothing to sign in to
        if (source.api === undefined) return send(404, '{"error":"not found"}');
        return dashboard.handle(req, res, path ?? '/');
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const addr = server.address() as AddressInfo;
  const shown = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
  return {
    server,
    url: `http://${shown}:${addr.port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }).then(() => source.api?.close()),
  };
}
