import { resolve } from 'node:path';
import { pepperBytes } from '../auth/apikey.ts';
import { KeyService } from '../auth/key-service.ts';
import { type RevocationSet, stateRevocations } from '../auth/revocation.ts';
import { loadConfig } from '../config/load.ts';
import { ConfigError } from '../errors.ts';
import { createState } from '../state/index.ts';
import type { SharedState } from '../state/types.ts';
import { DEFAULT_STORE, openStore } from '../store/open.ts';
import type { ApiKeyRecord } from '../store/types.ts';
import { parseCommandArgs, UsageError } from './args.ts';
import { type Command, EXIT } from './command.ts';
import { table } from './validate-config.ts';

const DURATION = /^([0-9]{1,9})(s|m|h|d)$/;
const UNIT_MS = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;
const LIST_ITEM = /^[\x21-\x7e]{1,128}$/;
const CONSUMER = /^[\x21-\x7e]{1,256}$/;

/** Parse `30d`, `12h`, `15m`, `90s` into milliseconds, or throw a UsageError naming the option. */
export function parseDuration(name: string, value: string): number {
  const m = DURATION.exec(value);
  if (m === null) throw new UsageError(`--${name} must look like 90s, 15m, 12h or 30d`);
  return Number(m[1]) * UNIT_MS[m[2] as keyof typeof UNIT_MS];
}

function list(name: string, value: string | undefined): string[] | undefined {
  if (value === undefined) return undefined;
  const items = value
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  for (const i of items) if (!LIST_ITEM.test(i)) throw new UsageError(`--${name}: invalid item`);
  return items;
}

const iso = (ms: number | null): string => (ms === null ? '-' : new Date(ms).toISOString());

function status(k: ApiKeyRecord, now: number): string {
  if (k.revokedAt !== null) return 'revoked';
  if (k.expiresAt !== null && k.expiresAt <= now) return 'expired';
  if (k.expiresAt !== null) return 'active (expires)';
  return 'active';
}

/** `rampart keys`: issue, list, rotate and revoke API keys in the store the config names. */
export const keysCommand: Command = {
  name: 'keys',
  summary: 'create, list, rotate and revoke API keys',
  help: `Usage: rampart keys <create|list|rotate|revoke> [options]

Manages API keys in the store of the config's auth section (a SQLite file by default, PostgreSQL for
a postgres:// URL). Only a peppered HMAC of each key is stored: a new key is printed once, here.

  rampart keys create --consumer <id> [--roles a,b] [--scopes x,y] [--env live|test]
                      [--name <label>] [--expires-in 30d]
  rampart keys list [--consumer <id>] [--json]
  rampart keys rotate <key-id> [--overlap 24h]   new key; the old one works for the overlap
  rampart keys revoke <key-id>                   at once in the store and, with a Redis state,
                                                 in every gateway; else gateways drop cached
                                                 copies within auth.keyCacheTtlMs

Options:
  -c, --config <file>  config file with auth.pepper and auth.store (default: rampart.yaml)
      --store <url>    override auth.store (file path or postgres:// URL)
  -h, --help           show this help

Exit codes: 0 done, 1 no such key, 2 bad usage or config.`,
  async run(argv, io) {
    const { values, positionals } = parseCommandArgs(
      argv,
      {
        config: { type: 'string', short: 'c', default: 'rampart.yaml' },
        store: { type: 'string' },
        consumer: { type: 'string' },
        roles: { type: 'string' },
        scopes: { type: 'string' },
        env: { type: 'string', default: 'live' },
        name: { type: 'string' },
        'expires-in': { type: 'string' },
        overlap: { type: 'string', default: '24h' },
        json: { type: 'boolean', default: false },
      },
      true,
    );
    const [action, target, ...extra] = positionals;
    if (action === undefined) throw new UsageError('missing action: create, list, rotate or revoke');
    if (extra.length > 0) throw new UsageError(`unexpected argument "${extra[0]}"`);

    let pepper: Buffer;
    let location: string;
    let baseDir: string;
    let stateUrl: Parameters<typeof createState>[0] | undefined;
    try {
      const loaded = await loadConfig(resolve(io.cwd, values.config), io.env);
      const auth = loaded.config.auth;
      if (auth?.pepper === undefined) {
        throw new ConfigError('auth.pepper is not set', {
          file: loaded.file,
          hint: 'add auth: { pepper: ${RAMPART_PEPPER} } and set the variable',
        });
      }
      pepper = pepperBytes(auth.pepper);
      location = values.store ?? auth.store ?? DEFAULT_STORE;
      baseDir = loaded.dir;
      // with Redis, a revocation reaches every running gateway at once, not after their cache TTL
      if (loaded.config.state.url !== 'memory') stateUrl = loaded.config.state;
    } catch (err) {
      if (err instanceof ConfigError || err instanceof RangeError) {
        io.stderr.write(`error: ${err.message}\n`);
        return EXIT.usage;
      }
      throw err;
    }

    const store = await openStore(location, baseDir);
    let state: SharedState | undefined;
    let revocations: RevocationSet | undefined;
    if (stateUrl !== undefined && action === 'revoke') {
      state = await createState(stateUrl);
      revocations = stateRevocations(state);
    }
    const keys = new KeyService(store, pepper, revocations, { touchIntervalMs: 0 });
    try {
      switch (action) {
        case 'create': {
          if (target !== undefined) throw new UsageError('create takes no positional argument');
          const consumer = values.consumer;
          if (consumer === undefined || !CONSUMER.test(consumer))
            throw new UsageError('--consumer <id> is required');
          if (values.env !== 'live' && values.env !== 'test')
            throw new UsageError('--env must be live or test');
          const ttl =
            values['expires-in'] === undefined
              ? undefined
              : parseDuration('expires-in', values['expires-in']);
          const roles = list('roles', values.roles);
          const scopes = list('scopes', values.scopes);
          const issued = await keys.create({
            consumerId: consumer,
            env: values.env,
            ...(roles === undefined ? {} : { roles }),
            ...(scopes === undefined ? {} : { scopes }),
            ...(values.name === undefined ? {} : { name: values.name }),
            expiresAt: ttl === undefined ? null : Date.now() + ttl,
          });
          if (values.json) {
            io.stdout.write(
              `${JSON.stringify({ id: issued.record.id, key: issued.key, consumer, expiresAt: iso(issued.record.expiresAt) })}\n`,
            );
          } else {
            io.stdout.write(`${issued.key}\n`);
            io.stderr.write(
              `created ${issued.record.id} for ${consumer} (expires ${iso(issued.record.expiresAt)}); the key is shown only once\n`,
            );
          }
          return EXIT.ok;
        }
        case 'list': {
          if (target !== undefined) throw new UsageError('list takes no positional argument');
          const rows = await store.listKeys(
            values.consumer === undefined ? {} : { consumerId: values.consumer },
          );
          const now = Date.now();
          if (values.json) {
            io.stdout.write(
              `${JSON.stringify(
                rows.map((k) => ({
                  id: k.id,
                  prefix: k.prefix,
                  consumer: k.consumerId,
                  name: k.name,
                  status: status(k, now),
                  createdAt: iso(k.createdAt),
                  expiresAt: iso(k.expiresAt),
                  lastUsedAt: iso(k.lastUsedAt),
                  rotatedFrom: k.rotatedFrom,
                })),
                null,
                2,
              )}\n`,
            );
          } else {
            io.stdout.write(
              table(
                ['ID', 'PREFIX', 'CONSUMER', 'STATUS', 'CREATED', 'EXPIRES', 'LAST USED'],
                rows.map((k) => [
                  k.id,
                  `${k.prefix}…`,
                  k.consumerId,
                  status(k, now),
                  iso(k.createdAt),
                  iso(k.expiresAt),
                  iso(k.lastUsedAt),
                ]),
              ),
            );
          }
          return EXIT.ok;
        }
        case 'rotate': {
          if (target === undefined) throw new UsageError('rotate needs a key id');
          const issued = await keys.rotate(target, parseDuration('overlap', values.overlap));
          if (issued === undefined) {
            io.stderr.write(`error: no active key ${target}\n`);
            return EXIT.findings;
          }
          io.stdout.write(
            values.json
              ? `${JSON.stringify({ id: issued.record.id, key: issued.key })}\n`
              : `${issued.key}\n`,
          );
          io.stderr.write(
            `rotated ${target} → ${issued.record.id}; the old key works for ${values.overlap} more\n`,
          );
          return EXIT.ok;
        }
        case 'revoke': {
          if (target === undefined) throw new UsageError('revoke needs a key id');
          if (!(await keys.revoke(target))) {
            io.stderr.write(`error: no active key ${target}\n`);
            return EXIT.findings;
          }
          io.stderr.write(`revoked ${target}\n`);
          return EXIT.ok;
        }
        default:
          throw new UsageError(`unknown action "${action}": create, list, rotate or revoke`);
      }
    } finally {
      await keys.close();
      await store.close();
      await revocations?.close();
      await state?.close();
    }
  },
};
