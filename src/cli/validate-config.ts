import { resolve } from 'node:path';
import { loadConfig } from '../config/load.ts';
import { ConfigError } from '../errors.ts';
import { compilePlan } from '../gateway/plan.ts';
import { OpenApiError } from '../openapi/load.ts';
import { parseCommandArgs } from './args.ts';
import { type Command, EXIT } from './command.ts';

/** `rampart validate-config`: load, validate and compile a config, and print the route table. */
export const validateConfigCommand: Command = {
  name: 'validate-config',
  summary: 'check a config and its OpenAPI documents, and print the compiled route table',
  help: `Usage: rampart validate-config [--config rampart.yaml] [--json]

Loads the config and every OpenAPI document it names exactly as the gateway would, and prints the
compiled route table. Values that came from \${ENV} or \${file:…} are never printed.

Options:
  -c, --config <file>  config file (default: rampart.yaml)
      --json           print the route table as JSON
  -h, --help           show this help

Exit codes: 0 valid, 2 invalid config or document (the error names file:line:column).`,
  async run(argv, io) {
    const { values } = parseCommandArgs(argv, {
      config: { type: 'string', short: 'c', default: 'rampart.yaml' },
      json: { type: 'boolean', default: false },
    });
    try {
      const loaded = await loadConfig(resolve(io.cwd, values.config), io.env);
      const plan = await compilePlan(loaded);
      const rows = plan.routes.map((r) => ({
        method: r.method,
        path: r.template,
        api: r.api.name,
        route: r.id,
        upstream: r.api.upstream,
        auth: r.passthrough ? 'passthrough' : r.authenticated ? 'required' : 'public',
        mode: r.mode,
        maxBodyBytes: r.maxBodyBytes,
      }));
      for (const w of plan.warnings) io.stderr.write(`warning: ${w}\n`);
      if (values.json) {
        io.stdout.write(`${JSON.stringify({ file: loaded.file, routes: rows }, null, 2)}\n`);
      } else {
        io.stdout.write(`${loaded.file}: valid, ${rows.length} route${rows.length === 1 ? '' : 's'}\n\n`);
        io.stdout.write(
          table(
            ['METHOD', 'PATH', 'API', 'ROUTE', 'AUTH', 'MODE'],
            rows.map((r) => [r.method, r.path, r.api, r.route, r.auth, r.mode]),
          ),
        );
      }
      return EXIT.ok;
    } catch (err) {
      if (err instanceof ConfigError || err instanceof OpenApiError) {
        io.stderr.write(`error: ${err.message}\n`);
        return EXIT.usage;
      }
      throw err;
    }
  },
};

/** A plain left-aligned text table. */
export function table(head: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) =>
    `${cells
      .map((c, i) => c.padEnd(widths[i]!))
      .join('  ')
      .trimEnd()}\n`;
  return line(head) + rows.map(line).join('');
}
