import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { ConfigError } from '../../src/errors.ts';
import {
  isProductionMode,
  loadStoreKeys,
  parseStoreKeys,
  weakKeyReason,
} from '../../src/store/store-keys.ts';

const b64 = (b: Buffer) => b.toString('base64');
const good = () => b64(randomBytes(32));
let dir = '';
after(async () => {
  if (dir !== '') await rm(dir, { recursive: true, force: true });
});

/** Assert `fn` throws a ConfigError naming `setting` and not containing the key text. */
function refuses(fn: () => unknown, setting: RegExp, secret: string, why: RegExp): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof ConfigError);
    assert.match(err.message, setting);
    assert.match(err.message, why);
    assert.ok(!err.message.includes(secret), 'the error never shows the key');
    return true;
  });
}

test('weak keys: wrong length, all-same bytes, low entropy, printable text', () => {
  assert.equal(weakKeyReason(randomBytes(32)), undefined);
  assert.match(weakKeyReason(Buffer.alloc(32, 7)) ?? '', /every byte the same/);
  assert.match(weakKeyReason(Buffer.from('abababababababababababababababab')) ?? '', /low entropy/);
  assert.match(weakKeyReason(Buffer.from('The quick brown fox jumps over 1')) ?? '', /printable text/);
  assert.match(weakKeyReason(randomBytes(16)) ?? '', /16 bytes/);
});

test('the key list parses ids and base64 keys, the first active, and rejects malformed entries', () => {
  const a = good();
  const b = good();
  const keys = parseStoreKeys(`k2:${a}, k1:${b}`, 'RAMPART_STORE_KEYS');
  assert.deepEqual(
    keys.map((k) => k.kid),
    ['k2', 'k1'],
  );
  assert.equal(keys[0]?.key.length, 32);
  assert.equal(parseStoreKeys(`# comment\nk1:${a}\n\n`, 'f').length, 1);
  refuses(() => parseStoreKeys(a, 'RAMPART_STORE_KEYS'), /RAMPART_STORE_KEYS/, a, /key id/);
  const short = b64(randomBytes(24));
  refuses(
    () => parseStoreKeys(`k1:${short}`, 'RAMPART_STORE_KEYS'),
    /RAMPART_STORE_KEYS/,
    short,
    /24 bytes, not 32/,
  );
  refuses(() => parseStoreKeys(`k1:${a},k1:${b}`, 'RAMPART_STORE_KEYS'), /RAMPART_STORE_KEYS/, a, /twice/);
  refuses(() => parseStoreKeys('', 'RAMPART_STORE_KEYS'), /RAMPART_STORE_KEYS/, 'x'.repeat(8), /no key/);
});

test('production mode: config production: true or RAMPART_ENV=production', () => {
  assert.equal(isProductionMode(true, {}), true);
  assert.equal(isProductionMode(false, { RAMPART_ENV: 'production' }), true);
  assert.equal(isProductionMode(false, { NODE_ENV: 'production' }), false);
  assert.equal(isProductionMode(false, {}), false);
});

test('production mode refuses a missing key and every kind of weak key, naming the setting only', () => {
  const base = { baseDir: tmpdir(), production: true } as const;
  refuses(() => loadStoreKeys({ ...base, env: {} }), /RAMPART_STORE_KEYS/, '\0', /production mode needs/);
  refuses(
    () => loadStoreKeys({ ...base, production: false, env: { RAMPART_ENV: 'production' } }),
    /RAMPART_STORE_KEYS/,
    '\0',
    /production mode needs/,
  );
  for (const weak of [
    Buffer.alloc(32, 0x41),
    Buffer.from('abcdabcdabcdabcdabcdabcdabcdabcd'),
    Buffer.from('my-very-secret-passphrase-123456'),
  ]) {
    const text = b64(weak);
    refuses(
      () => loadStoreKeys({ ...base, env: { RAMPART_STORE_KEYS: `k1:${text}` } }),
      /RAMPART_STORE_KEYS/,
      text,
      /refused in production/,
    );
  }
  const short = b64(randomBytes(31));
  refuses(
    () => loadStoreKeys({ ...base, env: { RAMPART_STORE_KEYS: `k1:${short}` } }),
    /RAMPART_STORE_KEYS/,
    short,
    /31 bytes/,
  );
  const ok = loadStoreKeys({ ...base, env: { RAMPART_STORE_KEYS: `k9:${good()}` } });
  assert.equal(ok.cipher?.activeKid, 'k9');
  assert.deepEqual(ok.warnings, []);
});

test('outside production: no key means plain storage with a warning; a weak key is used with one', () => {
  const none = loadStoreKeys({ env: {}, baseDir: tmpdir(), production: false });
  assert.equal(none.cipher, undefined);
  assert.match(none.warnings.join('\n'), /stored unencrypted/);
  const weak = loadStoreKeys({
    env: { RAMPART_STORE_KEYS: `k1:${b64(Buffer.alloc(32, 1))}` },
    baseDir: tmpdir(),
    production: false,
  });
  assert.equal(weak.cipher?.activeKid, 'k1');
  assert.match(weak.warnings.join('\n'), /every byte the same; production mode would refuse it/);
});

test('keys from events.keyFile (relative to the config); not both sources at once', async () => {
  dir = await mkdtemp(join(tmpdir(), 'rampart-keys-'));
  const key = good();
  await writeFile(join(dir, 'store.keys'), `# rotated 2026-11\nk2:${good()}\nk1:${key}\n`, { mode: 0o600 });
  const loaded = loadStoreKeys({ env: {}, keyFile: 'store.keys', baseDir: dir, production: true });
  assert.equal(loaded.cipher?.activeKid, 'k2');
  assert.deepEqual(loaded.warnings, []);
  await chmod(join(dir, 'store.keys'), 0o644);
  const loose = loadStoreKeys({ env: {}, keyFile: 'store.keys', baseDir: dir, production: true });
  assert.match(loose.warnings.join('\n'), /readable by group or others/);
  refuses(
    () =>
      loadStoreKeys({
        env: { RAMPART_STORE_KEYS: `k1:${key}` },
        keyFile: 'store.keys',
        baseDir: dir,
        production: false,
      }),
    /events\.keyFile/,
    key,
    /use one/,
  );
  refuses(
    () => loadStoreKeys({ env: {}, keyFile: 'missing.keys', baseDir: dir, production: false }),
    /events\.keyFile/,
    key,
    /cannot read the key file \(ENOENT\)/,
  );
});
