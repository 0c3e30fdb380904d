import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { parseConfig } from '../../src/config/load.ts';
import { compilePlan } from '../../src/gateway/plan.ts';
import { type Gateway, startGateway } from '../../src/gateway/server.ts';
import { createLogger } from '../../src/platform/logger.ts';
import { createMetrics } from '../../src/platform/metrics.ts';

/** A request as the test upstream received it. */
export interface SeenRequest {
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingMessage['headers'];
  readonly rawHeaders: string[];
}

/** A real HTTP upstream on 127.0.0.1:0 whose behaviour a test sets per request. */
export interface TestUpstream {
  readonly url: string;
  readonly server: Server;
  readonly seen: SeenRequest[];
  handler: (req: IncomingMessage, res: ServerResponse) => void;
  close(): Promise<void>;
}

/** Start an upstream that by default answers 200 with a small JSON echo of what it saw. */
export async function startUpstream(): Promise<TestUpstream> {
  const seen: SeenRequest[] = [];
  const up: TestUpstream = {
    url: '',
    server: undefined as unknown as Server,
    seen,
    handler: (req, res) => {
      const body = JSON.stringify({ method: req.method, url: req.url });
      res.writeHead(200, {
        'content-type': 'application/json',
        server: 'Upstream/1.0',
        'x-powered-by': 'PHP/5.3',
        'keep-alive': 'timeout=5',
      });
      res.end(body);
    },
    close: async () => {},
  };
  const server = createServer((req, res) => {
    seen.push({
      method: req.method ?? '',
      url: req.url ?? '',
      headers: req.headers,
      rawHeaders: req.rawHeaders,
    });
    up.handler(req, res);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  Object.assign(up, {
    url: `http://127.0.0.1:${port}`,
    server,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  });
  return up;
}

export const TEST_OPENAPI = `openapi: 3.1.0
info: { title: test, version: '1' }
servers:
  - url: https://api.example.test/v1
security:
  - bearer: []
components:
  securitySchemes:
    bearer: { type: http, scheme: bearer }
paths:
  /health:
    get:
      operationId: health
      security: []
      responses: { '200': { description: ok } }
  /admin:
    get:
      operationId: adminHome
      responses: { '200': { description: ok } }
  /users/{id}:
    parameters:
      - { name: id, in: path, required: true, schema: { type: integer } }
    get:
      operationId: getUser
      responses: { '200': { description: ok } }
    delete:
      operationId: deleteUser
      responses: { '204': { description: gone } }
  /upload:
    post:
      operationId: upload
      security: []
      x-rampart: { maxBodyBytes: 1048576 }
      requestBody:
        content: { application/octet-stream: { schema: { type: string } } }
      responses: { '200': { description: ok } }
  /big:
    post:
      operationId: bigUpload
      security: []
      requestBody:
        content: { application/octet-stream: { schema: { type: string } } }
      responses: { '200': { description: ok } }
`;

/** A gateway started in-process from YAML text, with its logs captured. */
export interface TestGateway {
  readonly gateway: Gateway;
  readonly url: string;
  readonly dir: string;
  readonly logs: Record<string, unknown>[];
  close(): Promise<void>;
}

/** Write the config and OpenAPI document to a temp dir, compile and start the gateway on 127.0.0.1:0. */
export async function startTestGateway(options: {
  upstreamUrl: string;
  openapi?: string;
  extraConfig?: string;
  listeners?: string;
  apiExtra?: string;
  files?: Record<string, string | Buffer>;
}): Promise<TestGateway> {
  const dir = await mkdtemp(join(tmpdir(), 'rampart-gw-'));
  await writeFile(join(dir, 'openapi.yaml'), options.openapi ?? TEST_OPENAPI);
  for (const [name, content] of Object.entries(options.files ?? {}))
    await writeFile(join(dir, name), content);
  const text = `listeners:
${options.listeners ?? '  - { host: 127.0.0.1, port: 0 }'}
admin: { host: 127.0.0.1, port: 0 }
upstreams:
  app:
    url: ${options.upstreamUrl}
    headersTimeoutMs: 2000
    bodyTimeoutMs: 2000
    connectTimeoutMs: 1000
apis:
  - name: test
    openapi: ./openapi.yaml
    upstream: app
${options.apiExtra ?? ''}
${options.extraConfig ?? ''}
`;
  const file = join(dir, 'rampart.yaml');
  await writeFile(file, text);
  const loaded = await parseConfig(text, file, {});
  const plan = await compilePlan(loaded);
  const logs: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk, _enc, cb) {
      for (const line of String(chunk).split('\n')) if (line !== '') logs.push(JSON.parse(line));
      cb();
    },
  });
  const logger = createLogger({ level: 'info' }, sink);
  const gateway = await startGateway(plan, { logger, metrics: createMetrics() });
  return {
    gateway,
    url: gateway.listeners[0]!.url,
    dir,
    logs,
    close: async () => {
      await gateway.close(1000);
      await rm(dir, { recursive: true, force: true });
    },
  };
}
