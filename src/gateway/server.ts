import { stat } from 'node:fs/promises';
import {
  createServer as createHttpServer,
  type IncomingMessage,
  type RequestListener,
  type Server,
  type ServerResponse,
} from 'node:http';
import { createServer as createHttpsServer, type ServerOptions as HttpsOptions } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import type { SecureContextOptions } from 'node:tls';
import { problemBody, REFUSALS, type RefusalCode, refuse } from '../errors.ts';
import { type AdminServer, startAdminServer } from '../platform/admin.ts';
import { openAdminApi } from '../platform/admin-api.ts';
import type { Endpoint } from '../platform/discovery/inventory.ts';
import type { Logger } from '../platform/logger.ts';
import type { GatewayMetrics } from '../platform/metrics.ts';
import { TrafficCounter } from '../platform/traffic.ts';
import type { PolicyServices } from '../policies/services.ts';
import { stopPretenuring } from '../util/no-pretenuring.ts';
import { settleHeap } from '../util/settle-heap.ts';
import { pinTickObjectShape } from '../util/tick-shape.ts';
import { type AccessRecord, createHandler, type GatewayState } from './handler.ts';
import type { Plan, TlsMaterial } from './plan.ts';
import { closeUpstreams, createUpstreams, type Upstream } from './upstreams.ts';

/** A running listener. */
export interface RunningListener {
  readonly name: string;
  readonly url: string;
  readonly server: Server;
  readonly secure: boolean;
}

/** A running gateway: its listeners, admin listener, and the operations on it. */
export interface Gateway {
  readonly listeners: readonly RunningListener[];
  readonly admin: AdminServer | undefined;
  readonly state: GatewayState;
  /** Swap in a new compiled plan; in-flight requests finish on the old one. */
  reload(plan: Plan): Promise<void>;
  /** Stop accepting, let in-flight requests finish up to `timeoutMs`, then close everything. */
  close(timeoutMs?: number): Promise<{ drained: boolean }>;
}

export interface GatewayOptions {
  readonly logger: Logger;
  readonly metrics: GatewayMetrics;
  /** Serve the admin listener from this process (false in cluster workers: the primary serves it). */
  readonly admin?: boolean;
  readonly onRecord?: (record: AccessRecord) => void;
  /** The process's policy services: the admin API revokes keys through their shared state. */
  readonly services?: PolicyServices;
  /** Wrappers applied once at start and on reload (tracing); absent, a request runs none of their code. */
  readonly instrument?: GatewayInstrument;
  /** The inventory learned from traffic (events.discovery), for the admin API. */
  readonly inventory?: () => readonly Endpoint[];
  /** The environment the config was read with (the admin API finds the data-at-rest keys there). */
  readonly env?: NodeJS.ProcessEnv;
}

/** Wraps the request listener and the upstream pools (see platform/telemetry). */
export interface GatewayInstrument {
  handler(h: RequestListener): RequestListener;
  upstreams(u: Map<string, Upstream>): Map<string, Upstream>;
}

// Modern suites only: ECDHE with AEAD ciphers for TLS 1.2; TLS 1.3 suites are all modern.
const TLS12_CIPHERS = [
  'ECDHE-ECDSA-AES128-GCM-SHA256',
  'ECDHE-RSA-AES128-GCM-SHA256',
  'ECDHE-ECDSA-AES256-GCM-SHA384',
  'ECDHE-RSA-AES256-GCM-SHA384',
  'ECDHE-ECDSA-CHACHA20-POLY1305',
  'ECDHE-RSA-CHACHA20-POLY1305',
].join(':');
const TLS13_CIPHERS = 'TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256';

function secureContextOptions(tls: TlsMaterial): SecureContextOptions {
  return {
    cert: tls.cert,
    key: tls.key,
    ...(tls.ca === undefined ? {} : { ca: tls.ca }),
    ...(tls.passphrase === undefined ? {} : { passphrase: tls.passphrase }),
  };
}

/** Start listeners (and the admin listener) for a compiled plan. */
export async function startGateway(plan: Plan, options: GatewayOptions): Promise<Gateway> {
  // for embedders; the CLI pins earlier, before its start-up work (src/util/tick-shape.ts)
  pinTickObjectShape();
  const { logger, metrics } = options;
  const config = plan.config;
  const instrumentUpstreams = options.instrument?.upstreams ?? ((u: Map<string, Upstream>) => u);
  const state: GatewayState = {
    plan,
    upstreams: instrumentUpstreams(createUpstreams(plan.upstreams, plan.loaded.dir)),
    pathOptions: pathOptionsOf(plan),
    removeResponseHeaders: new Set(config.headers.removeResponseHeaders.map((h) => h.toLowerCase())),
    draining: false,
    inFlight: 0,
  };
  const listeners: RunningListener[] = [];
  const timers: NodeJS.Timeout[] = [];
  let ready = false;

  // the dashboard's request counts: counted only when this process serves the admin API
  const serveAdminApi =
    options.admin !== false && config.admin.enabled && (config.admin.tokens ?? []).length > 0;
  const traffic = serveAdminApi ? new TrafficCounter() : undefined;
  const onRecord =
    traffic === undefined
      ? options.onRecord
      : options.onRecord === undefined
        ? traffic.onRecord
        : (record: AccessRecord) => {
            traffic.onRecord(record);
            options.onRecord?.(record);
          };

  for (const [i, l] of config.listeners.entries()) {
    const tls = plan.tls[i];
    const serverOptions = {
      maxHeaderSize: config.limits.maxHeaderBytes,
      headersTimeout: config.limits.headersTimeoutMs,
      requestTimeout: config.limits.requestTimeoutMs,
      keepAliveTimeout: config.limits.keepAliveTimeoutMs,
      // how often Node checks the header and request timeouts (its default, 30 s, is too coarse)
      connectionsCheckingInterval: Math.min(1_000, config.limits.headersTimeoutMs),
      requireHostHeader: true,
      joinDuplicateHeaders: false,
      insecureHTTPParser: false,
    };
    let server: Server;
    const hsts =
      tls === undefined
        ? undefined
        : `max-age=${config.headers.hstsMaxAgeSeconds}${config.headers.hstsIncludeSubDomains ? '; includeSubDomains' : ''}`;
    if (l.redirectToHttps !== undefined) {
      server = createHttpServer(serverOptions, redirectHandler(l.redirectToHttps));
    } else {
      const created = createHandler(
        state,
        { secure: tls !== undefined, hsts },
        {
          logger,
          metrics,
          ...(onRecord === undefined ? {} : { onRecord }),
        },
      );
      const handler = options.instrument?.handler(created) ?? created;
      if (tls === undefined) server = createHttpServer(serverOptions, handler);
      else {
        const httpsOptions: HttpsOptions = {
          ...serverOptions,
          ...secureContextOptions(tls),
          minVersion: l.tls?.minVersion ?? 'TLSv1.2',
          ciphers: `${TLS13_CIPHERS}:${TLS12_CIPHERS}`,
          honorCipherOrder: true,
          // a client CA asks for client certificates; the mtls authenticator refuses unverified ones per
          // operation, so public operations stay reachable without a certificate
          ...(tls.ca === undefined ? {} : { requestCert: true, rejectUnauthorized: false }),
        };
        server = createHttpsServer(httpsOptions, handler) as unknown as Server;
      }
    }
    // One more than the limit so that the handler sees "too many" instead of a silent truncation.
    server.maxHeadersCount = config.limits.maxHeaders + 1;
    server.on('clientError', (err: NodeJS.ErrnoException, socket: Socket) =>
      clientError(err, socket, logger),
    );
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(l.port, l.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    const addr = server.address() as AddressInfo;
    const host = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
    const url = `${tls === undefined ? 'http' : 'https'}://${host}:${addr.port}`;
    listeners.push({ name: l.name ?? `listener${i}`, url, server, secure: tls !== undefined });
    if (tls !== undefined && l.tls !== undefined && l.tls.reloadIntervalMs > 0) {
      timers.push(watchCertificates(server, tls, l.tls.reloadIntervalMs, logger));
    }
  }

  const admin =
    options.admin !== false && config.admin.enabled
      ? await startAdminServer(config.admin.host, config.admin.port, {
          metrics: async () => ({
            contentType: metrics.registry.contentType,
            body: await metrics.registry.metrics(),
          }),
          ready: () => ready && !state.draining,
          api: await openAdminApi(config, plan.loaded.dir, logger, {
            shared: options.services?.state,
            traffic,
            plan: () => state.plan,
            inventory: options.inventory,
            env: options.env,
          }),
        })
      : undefined;
  ready = true;
  // request objects die young; a site V8 pretenured would send them to old space: see no-pretenuring.ts
  stopPretenuring();
  // start-up garbage fills V8's table of first-key transitions until a full GC: see settle-heap.ts
  settleHeap();

  return {
    listeners,
    admin,
    state,
    async reload(next: Plan) {
      const old = state.upstreams;
      state.upstreams = instrumentUpstreams(createUpstreams(next.upstreams, next.loaded.dir));
      state.plan = next;
      state.pathOptions = pathOptionsOf(next);
      state.removeResponseHeaders = new Set(
        next.config.headers.removeResponseHeaders.map((h) => h.toLowerCase()),
      );
      for (const [i, l] of listeners.entries()) {
        const tls = next.tls[i];
        if (tls !== undefined && l.secure) {
          (l.server as unknown as { setSecureContext(o: SecureContextOptions): void }).setSecureContext(
            secureContextOptions(tls),
          );
        }
      }
      if (JSON.stringify(next.config.listeners) !== JSON.stringify(plan.config.listeners)) {
        logger.warn({ msg: 'listener changes take effect after a restart' });
      }
      // pools finish their in-flight requests before closing
      void closeUpstreams(old);
      // the old plan and the new one's parse garbage: see settle-heap.ts
      settleHeap();
    },
    async close(timeoutMs = config.shutdownTimeoutMs) {
      state.draining = true;
      for (const t of timers) clearInterval(t);
      const closed = listeners.map((l) => new Promise<void>((resolve) => l.server.close(() => resolve())));
      for (const l of listeners) l.server.closeIdleConnections();
      const deadline = Date.now() + timeoutMs;
      while (state.inFlight > 0 && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 20));
        for (const l of listeners) l.server.closeIdleConnections();
      }
      const drained = state.inFlight === 0;
      for (const l of listeners) l.server.closeAllConnections();
      await Promise.all(closed);
      await closeUpstreams(state.upstreams);
      if (admin !== undefined) await admin.close();
      return { drained };
    },
  };
}

function pathOptionsOf(plan: Plan) {
  return {
    trailingSlash: plan.config.paths.trailingSlash,
    allowSemicolons: plan.config.paths.allowSemicolons,
    maxLength: plan.config.limits.maxUrlLength,
  };
}

const HOST = /^[A-Za-z0-9.-]{1,253}$/;

/** A plain HTTP listener that only sends clients to HTTPS. */
function redirectHandler(httpsPort: number) {
  return (req: IncomingMessage, res: ServerResponse) => {
    const hostHeader = req.headers.host ?? '';
    const host = hostHeader.startsWith('[')
      ? hostHeader.slice(0, hostHeader.indexOf(']') + 1)
      : hostHeader.split(':')[0]!;
    const target = req.url ?? '/';
    if (
      !(HOST.test(host) || /^\[[0-9a-fA-F:.]+\]$/.test(host)) ||
      !target.startsWith('/') ||
      target.startsWith('//')
    ) {
      const body = problemBody(refuse('tls.required', 'use HTTPS'), '-');
      res.writeHead(403, {
        'content-type': 'application/problem+json',
        'content-length': Buffer.byteLength(body),
      });
      res.end(body);
      return;
    }
    const port = httpsPort === 443 ? '' : `:${httpsPort}`;
    res.writeHead(308, {
      location: `https://${host}${port}${target}`,
      'content-length': '0',
      connection: 'close',
    });
    res.end();
  };
}

/** Answer a request the HTTP parser refused (bad framing, oversized headers, timeouts) with problem+json. */
function clientError(err: NodeJS.ErrnoException, socket: Socket, logger: Logger): void {
  let code: RefusalCode = 'request.malformed';
  switch (err.code) {
    case 'HPE_HEADER_OVERFLOW':
      code = 'request.headers.too_large';
      break;
    case 'ERR_HTTP_REQUEST_TIMEOUT':
    case 'ERR_HTTP_HEADERS_TIMEOUT':
      code = 'request.timeout';
      break;
    case 'HPE_UNEXPECTED_CONTENT_LENGTH':
    case 'HPE_INVALID_TRANSFER_ENCODING':
    case 'HPE_INVALID_CONTENT_LENGTH':
    case 'HPE_INVALID_CHUNK_SIZE':
      code = 'request.smuggling';
      break;
    case 'ECONNRESET':
      socket.destroy();
      return;
  }
  logger.debug({ msg: 'client error', parserError: err.code });
  if (socket.writable && !(socket as Socket & { _httpMessage?: unknown })._httpMessage) {
    const info = REFUSALS[code];
    const body = problemBody(refuse(code), '-');
    socket.end(
      `HTTP/1.1 ${info.status} ${info.title}\r\ncontent-type: application/problem+json\r\n` +
        `content-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\nx-content-type-options: nosniff\r\n\r\n${body}`,
    );
  }
  socket.destroy();
}

/** Poll certificate files and swap the secure context when they change; keep the old one on errors. */
function watchCertificates(
  server: Server,
  tls: TlsMaterial,
  intervalMs: number,
  logger: Logger,
): NodeJS.Timeout {
  let last = '';
  const fingerprint = async () =>
    (await Promise.all(tls.files.map((f) => stat(f)))).map((s) => `${s.mtimeMs}:${s.size}`).join('|');
  void fingerprint().then(
    (f) => {
      last = f;
    },
    () => {},
  );
  const timer = setInterval(async () => {
    try {
      const now = await fingerprint();
      if (now === last) return;
      const { readFile } = await import('node:fs/promises');
      const [cert, key, ca] = await Promise.all(tls.files.map((f) => readFile(f)));
      (server as unknown as { setSecureContext(o: SecureContextOptions): void }).setSecureContext({
        cert: cert!,
        key: key!,
        ...(ca === undefined ? {} : { ca }),
        ...(tls.passphrase === undefined ? {} : { passphrase: tls.passphrase }),
      });
      last = now;
      logger.info({ msg: 'TLS certificate reloaded' });
    } catch (err) {
      logger.error({
        msg: 'TLS certificate reload failed; the previous certificate stays',
        error: String(err),
      });
    }
  }, intervalMs);
  timer.unref();
  return timer;
}
