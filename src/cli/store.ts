import { resolve } from 'node:path';
import { loadConfig } from '../config/load.ts';
import { ConfigError } from '../errors.ts';
import { openInventoryStore } from '../platform/discovery/store.ts';
import { openEventStore } from '../platform/events/open.ts';
import { openFindingsStore } from '../platform/findings/store.ts';
import type { FieldCipher, ResealResult } from '../store/field-cipher.ts';
import { StoreUrlError } from '../store/postgres.ts';
import { loadStoreKeys, STORE_KEY_FILE_SETTING, STORE_KEYS_ENV } from '../store/store-keys.ts';
import { intOption, parseCommandArgs, UsageError } from './args.ts';
import { type Command, EXIT } from './command.ts';

/** `rampart store`: maintenance of the events store (data-at-rest key rotation). */
export const storeCommand: Command = {
  name: 'store',
  summary: 're-encrypt stored events, inventory and findings under the active data-at-rest key',
  help: `Usage: rampart store rotate-key [--config rampart.yaml] [--store <location>] [--batch-size 500]

Event evidence, the learned inventory and imported findings are encrypted (AES-256-GCM) under
the data-at-rest keys of ${STORE_KEYS_ENV} ("kid1:base64,kid2:base64") or the file
${STORE_KEY_FILE_SETTING} names; the first key is the active one, the others stay readable. To
roll a key: put the new key first and keep the old one after it, restart the gateways (new
values use the new key, old ones still read), run "rampart store rotate-key", then remove the
old key.

rotate-key reads every row of the events store and rewrites those not under the active key
(older keys, or plain values stored before a key was configured), a bounded batch per
transaction, so it can run beside a live gateway. SQLite zeroes freed space (secure_delete) and
the log is checkpointed, so the old bytes leave the file; PostgreSQL keeps old row versions in
its table files until VACUUM reuses them: run VACUUM FULL on security_events, api_inventory and
finding_imports afterwards to rewrite them at once.

Options:
  -c, --config <file>    config whose events.store and events.keyFile are used (default: rampart.yaml)
      --store <location> override events.store (SQLite file or postgres:// URL)
      --batch-size <n>   rows per transaction (1-10000, default 500)
  -h, --help             show this help

Exit codes: 0 every row is under the active key; 1 some rows could not be decrypted (tampered, or
their key is no longer configured) and were left as they were; 2 bad usage, config or key.`,
  async run(argv, io) {
    const { values, positionals } = parseCommandArgs(
      argv,
      {
        config: { type: 'string', short: 'c', default: 'rampart.yaml' },
        store: { type: 'string' },
        'batch-size': { type: 'string', default: '500' },
      },
      true,
    );
    const [action, ...extra] = positionals;
    if (action !== 'rotate-key') throw new UsageError('the action is: rotate-key');
    if (extra.length > 0) throw new UsageError(`unexpected argument "${extra[0]}"`);
    const batchSize = intOption('batch-size', values['batch-size'], 1, 10_000) ?? 500;

    let location: string;
    let baseDir: string;
    let cipher: FieldCipher;
    try {
      const loaded = await loadConfig(resolve(io.cwd, values.config), io.env);
      const keys = loadStoreKeys({
        env: io.env,
        keyFile: loaded.config.events.keyFile,
        baseDir: loaded.dir,
        production: loaded.config.production,
      });
      if (keys.cipher === undefined) {
        throw new ConfigError(
          `no data-at-rest key to rotate to: set ${STORE_KEYS_ENV} or ${STORE_KEY_FILE_SETTING}`,
          {
            key: STORE_KEYS_ENV,
          },
        );
      }
      for (const w of keys.warnings) io.stderr.write(`warning: ${w}\n`);
      cipher = keys.cipher;
      location = values.store ?? loaded.config.events.store;
      baseDir = loaded.dir;
    } catch (err) {
      if (err instanceof ConfigError) {
        io.stderr.write(`error: ${err.message}\n`);
        return EXIT.usage;
      }
      throw err;
    }

    const report = (what: string, r: ResealResult) =>
      io.stdout.write(
        `${what}: ${r.scanned} rows read, ${r.resealed} re-encrypted under key "${cipher.activeKid}"${
          r.unreadable === 0 ? '' : `, ${r.unreadable} unreadable (left as they were)`
        }\n`,
      );
    let unreadable = 0;
    // each table opens, reseals and closes in turn: events, the learned inventory, imported findings
    const tables: [
      string,
      () => Promise<{ reseal(n: number): Promise<ResealResult>; close(): Promise<void> }>,
    ][] = [
      ['events', () => openEventStore(location, baseDir, { cipher })],
      ['inventory', () => openInventoryStore(location, baseDir, { cipher })],
      ['findings', () => openFindingsStore(location, baseDir, { cipher })],
    ];
    try {
      for (const [name, open] of tables) {
        const table = await open();
        try {
          const r = await table.reseal(batchSize);
          report(name, r);
          unreadable += r.unreadable;
        } finally {
          await table.close();
        }
      }
    } catch (err) {
      if (err instanceof StoreUrlError) {
        io.stderr.write(`error: events.store: ${err.message}\n`);
        return EXIT.usage;
      }
      throw err;
    }
    if (unreadable > 0) {
      io.stderr.write(
        'some rows could not be decrypted: keep the keys they need configured, or treat them as tampered\n',
      );
      return EXIT.findings;
    }
    return EXIT.ok;
  },
};
