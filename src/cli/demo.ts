import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseDocument } from 'yaml';
import { intOption, parseCommandArgs } from './args.ts';
import { type Command, EXIT } from './command.ts';
import { runGateway } from './gateway.ts';

const DEMO_CONFIG = fileURLToPath(new URL('../../examples/demo.yaml', import.meta.url));

/**
 * examples/demo.yaml plus what a console needs, written to `dir`: the admin API and dashboard
 * (token from RAMPART_DEMO_ADMIN_TOKEN), security events and discovery, and a key store for the
 * keys page, all in `dir`. The example file stays free of secrets and of machine paths.
 */
async function writeDemoConfig(dir: string): Promise<string> {
  const doc = parseDocument(await readFile(DEMO_CONFIG, 'utf8'));
  doc.delete('$schema');
  const apis = doc.get('apis', true) as {
    items: { get(k: string): unknown; set(k: string, v: unknown): void }[];
  };
  for (const api of apis.items) {
    const openapi = api.get('openapi');
    if (typeof openapi === 'string') api.set('openapi', resolve(dirname(DEMO_CONFIG), openapi));
  }
  doc.setIn(['admin', 'tokens'], ['${RAMPART_DEMO_ADMIN_TOKEN}']);
  doc.setIn(['auth', 'pepper'], '${RAMPART_DEMO_PEPPER}');
  doc.setIn(['auth', 'store'], './keys.db');
  doc.set('events', {
    enabled: true,
    store: './events.db',
    flushIntervalMs: 500,
    discovery: { enabled: true, saveIntervalMs: 5000 },
  });
  const file = join(dir, 'rampart.yaml');
  await writeFile(file, String(doc), { mode: 0o600 });
  return file;
}

/** `rampart demo`: the vulnerable demo API with the gateway in front of it. */
export const demoCommand: Command = {
  name: 'demo',
  summary: 'start the vulnerable demo API and the gateway in front of it',
  help: `Usage: rampart demo [--port 8080] [--admin-port 9901] [--api-port 0]

Starts examples/demo-api (a deliberately vulnerable API on a SQLite file) and the gateway in front
of it with examples/demo.yaml, plus the dashboard on the admin listener (events, discovery and a key
store in a temporary folder, a fresh admin token and data-at-rest key printed at start). Prints the
addresses and a few requests to try. Ctrl-C stops everything and removes the temporary folder.

Options:
      --port <n>        gateway port (default 8080; 0 picks a free one)
      --admin-port <n>  admin listener port (default 9901; 0 picks a free one)
      --api-port <n>    demo API port (default 0: a free one)
  -h, --help            show this help

Exit codes: 0 stopped cleanly, 2 a port is taken or the config is invalid.`,
  async run(argv, io) {
    const { values } = parseCommandArgs(argv, {
      port: { type: 'string', default: '8080' },
      'admin-port': { type: 'string', default: '9901' },
      'api-port': { type: 'string', default: '0' },
    });
    const port = intOption('port', values.port, 0, 65535)!;
    const adminPort = intOption('admin-port', values['admin-port'], 0, 65535)!;
    const apiPort = intOption('api-port', values['api-port'], 0, 65535)!;
    const { startDemoApi } = await import('../../examples/demo-api/server.ts');
    let api: Awaited<ReturnType<typeof startDemoApi>>;
    try {
      api = await startDemoApi({ host: '127.0.0.1', port: apiPort, quiet: true });
    } catch (err) {
      io.stderr.write(`error: cannot start the demo API: ${(err as Error).message}\n`);
      return EXIT.usage;
    }
    const data = await mkdtemp(join(tmpdir(), 'rampart-demo-'));
    const adminToken = randomBytes(24).toString('base64url');
    const env = {
      ...io.env,
      RAMPART_DEMO_PORT: String(port),
      RAMPART_DEMO_ADMIN_PORT: String(adminPort),
      RAMPART_DEMO_UPSTREAM: api.url,
      RAMPART_DEMO_ADMIN_TOKEN: adminToken,
      RAMPART_DEMO_PEPPER: randomBytes(32).toString('base64url'),
      // a data-at-rest key, so the demo's stored evidence is encrypted as in production
      RAMPART_STORE_KEYS: io.env.RAMPART_STORE_KEYS ?? `demo:${randomBytes(32).toString('base64')}`,
    };
    try {
      return await runGateway({
        file: await writeDemoConfig(data),
        watch: false,
        workers: 1,
        io,
        env,
        onListening: (gw) => {
          const g = gw.listeners[0]!.url.replace('127.0.0.1', 'localhost');
          const a = api.url.replace('127.0.0.1', 'localhost');
          io.stderr.write(`
Rampart demo
  demo API (vulnerable, direct): ${a}
  gateway (protected):           ${g}
  admin (health, metrics):       ${gw.admin?.url ?? 'off'}
  dashboard:                     ${(gw.admin?.url ?? '').replace('127.0.0.1', 'localhost')}/
  dashboard admin token:         ${adminToken}

Try (the same request directly and through the gateway; the gateway's answer explains itself):
  curl -s ${g}/api/v1/health                                   # declared and public: forwarded
  curl -s ${g}/api/v1/debug                                    # undeclared: 404 route.undeclared
  curl -s ${g}/api/v1/orders/1                                 # no token: 401 auth.missing
  TOKEN=$(curl -s -X POST ${g}/api/v1/auth/login -H 'content-type: application/json' \\
    -d '{"username":"alice","password":"alice123"}' | sed 's/.*"token":"\\([^"]*\\)".*/\\1/')
  curl -s -H "authorization: Bearer $TOKEN" ${a}/api/v1/users/2          # direct: bob's record and password hash
  curl -s -H "authorization: Bearer $TOKEN" ${g}/api/v1/users/2          # gateway: 403 authz.bola
  curl -s -H "authorization: Bearer $TOKEN" "${g}/api/v1/products/search?q=%27%20OR%201%3D1--"   # 403 inject.sqli
  curl -s -X PATCH -H "authorization: Bearer $TOKEN" -H 'content-type: application/json' \\
    -d '{"role":"admin"}' ${g}/api/v1/users/1                              # mass assignment: 400 input.schema
  curl -s -X DELETE -H "authorization: Bearer $TOKEN" ${g}/api/v1/admin/users/2   # 403 authz.function
  curl -s ${gw.admin?.url ?? ''}/metrics | grep rampart_requests_total

Ctrl-C stops both.
`);
        },
      });
    } finally {
      await api.close();
      await rm(data, { recursive: true, force: true });
    }
  },
};
