import assert from 'node:assert/strict';
import { test } from 'node:test';
import { crc32 } from 'node:zlib';
import { classifyText, classifyValue } from '../../../src/detect/sensitive/index.ts';
import { found } from './helpers.ts';

const b64 = (o: unknown): string => Buffer.from(JSON.stringify(o)).toString('base64url');
const JWT = `${b64({ alg: 'RS256', typ: 'JWT' })}.${b64({ sub: 'u-19' })}.${'s'.repeat(43)}`;

test('jwt: a JWS in an Authorization header is found with its alg', () => {
  const m = classifyText(`Authorization: Bearer ${JWT}`).find((x) => x.type === 'jwt');
  assert.equal(m?.detail, 'RS256');
  assert.equal(classifyValue(JWT)?.type, 'jwt');
});

test('jwt: alg none with an empty signature, and a five-part JWE', () => {
  assert.equal(classifyValue(`${b64({ alg: 'none' })}.${b64({ sub: 'x' })}.`)?.type, 'jwt');
  const jwe = `${b64({ alg: 'RSA-OAEP', enc: 'A256GCM' })}.aaaa.bbbb.cccc.dddd`;
  assert.equal(classifyValue(jwe)?.detail, 'jwe');
});

test('jwt: base64 JSON without alg, two parts, or a non-JSON header is not a JWT', () => {
  for (const v of [
    `${b64({ typ: 'JWT' })}.${b64({ sub: 'x' })}.sig`,
    `${b64({ alg: 'HS256' })}.${b64({ sub: 'x' })}`,
    'eyJhbGciOiJIUzI1NiIs.payload.sig',
    `${b64({ alg: 'HS256' })}.${b64({ sub: 'x' })}.sig.extra`,
  ]) {
    assert.deepEqual(found(v, 'jwt'), [], v);
  }
});

function githubToken(body: string): string {
  const alphabet = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
  let n = crc32(body);
  let s = '';
  while (n > 0) {
    s = alphabet[n % 62] + s;
    n = Math.floor(n / 62);
  }
  return `ghp_${body}${s.padStart(6, '0')}`;
}

test('api key: well-known formats with their provider', () => {
  const cases: readonly [string, string][] = [
    ['AKIAIOSFODNN7EXAMPLE', 'aws'],
    [githubToken('abcdefghijklmnopqrstuvwxyz0123'), 'github'],
    [`github_pat_${'A1_'.repeat(27)}x`, 'github'],
    [`sk_live_${'4eC39HqLyjWDarjtT1zdp7dc'}`, 'stripe'],
    ['xoxb-12345678901-123456789012-abcdefghijklmnopqrstuvwx', 'slack'],
    [`AIza${'SyA-1234567890abcdefghijklmnopqrstu'}`, 'google'],
    ['glpat-abcdefghij1234567890', 'gitlab'],
  ];
  for (const [key, provider] of cases) {
    const m = classifyValue(key);
    assert.equal(m?.type, 'api_key', key);
    assert.equal(m?.detail, provider, key);
  }
  assert.deepEqual(found('export AWS_ACCESS_KEY_ID="AKIAIOSFODNN7EXAMPLE"', 'api_key'), [
    'AKIAIOSFODNN7EXAMPLE',
  ]);
});

test('api key: a GitHub token with a correct checksum is more certain than one without', () => {
  const good = githubToken('abcdefghijklmnopqrstuvwxyz0123');
  const bad = `${good.slice(0, -1)}${good.endsWith('0') ? '1' : '0'}`;
  assert.ok((classifyValue(good)?.confidence ?? 0) > (classifyValue(bad)?.confidence ?? 1));
});

test('api key: truncated, publishable or glued look-alikes are not keys', () => {
  for (const v of [
    'AKIAIOSFODNN7EXAMP',
    'pk_live_4eC39HqLyjWDarjtT1zdp7dc',
    'sk_live_short',
    'xAKIAIOSFODNN7EXAMPLE',
    'ghp_abc',
  ]) {
    assert.deepEqual(found(v, 'api_key'), [], v);
  }
});

test('private key: PEM blocks, a truncated one and a JSON-escaped one', () => {
  const block = '-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA\n-----END RSA PRIVATE KEY-----';
  assert.equal(classifyValue(block)?.detail, 'rsa');
  assert.equal(
    classifyValue(
      '-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEA\n-----END OPENSSH PRIVATE KEY-----',
    )?.detail,
    'openssh',
  );
  const truncated = classifyText('key: -----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC');
  assert.equal(truncated[0]?.type, 'private_key');
  assert.equal(truncated[0]?.detail, 'pkcs8');
  const escaped = JSON.stringify({ key: block });
  assert.deepEqual(found(escaped, 'private_key').length, 1);
});

test('private key: public keys and certificates are not private keys', () => {
  for (const v of [
    '-----BEGIN PUBLIC KEY-----\nMIIB\n-----END PUBLIC KEY-----',
    '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----',
  ]) {
    assert.deepEqual(found(v, 'private_key'), [], v);
  }
});

test('password hash: modular crypt formats', () => {
  const cases: readonly [string, string][] = [
    ['$2b$12$R9h/cIPz0gi.URNNX3kh2OPST9/PgBkqquzi.Ss7KIUgO2t0jWMUW', 'bcrypt'],
    ['$2y$10$abcdefghijklmnopqrstuuJ8hJ0y4L8f5FJx1lV6mB8bWqkYw9b8u', 'bcrypt'],
    ['$argon2id$v=19$m=65536,t=3,p=4$c29tZXNhbHRzb21lc2FsdA$RdescudvJCsgt3ub+b+dWRWJTmaaJObG', 'argon2id'],
    ['$scrypt$ln=16,r=8,p=1$aM15713r3Xsvxbi31lqr1Q$nFNh2CVHVjNldFVKDHDlm4CbdRSCdEBsjjJxD+iCs5E', 'scrypt'],
    [`$6$rounds=5000$saltsalt$${'a'.repeat(86)}`, 'sha512-crypt'],
    [`$5$saltsalt$${'B'.repeat(43)}`, 'sha256-crypt'],
    ['$1$saltsalt$qjXMvbEw8oaL.CzflDugX/', 'md5-crypt'],
    [`pbkdf2_sha256$600000$abcdefghijklmnop$${'Q'.repeat(43)}=`, 'pbkdf2'],
  ];
  for (const [hash, detail] of cases) {
    const m = classifyValue(hash);
    assert.equal(m?.type, 'password_hash', hash);
    assert.equal(m?.detail, detail, hash);
  }
});

test('password hash: bare hex digests only under a hash or password field name', () => {
  const sha256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';
  assert.equal(classifyValue(sha256), null);
  assert.equal(classifyValue(sha256, { fieldName: 'passwordHash' })?.detail, 'sha256');
  assert.equal(classifyValue(sha256.slice(0, 40), { fieldName: 'password' })?.detail, 'sha1');
  assert.equal(classifyValue(sha256.slice(0, 40), { fieldName: 'commit' }), null);
  assert.equal(classifyValue('#e3b0c4'), null);
});

test('password hash: truncated hashes and prices are not hashes', () => {
  for (const v of [
    '$2b$12$short',
    '$2b$99$R9h/cIPz0gi.URNNX3kh2OPST9/PgBkqquzi.Ss7KIUgO2t0jWMUW',
    '$12.50',
    'US$2$3',
  ]) {
    assert.deepEqual(found(v, 'password_hash'), [], v);
  }
});

test('secret field: values assigned to secret names and bearer tokens in free text', () => {
  assert.deepEqual(found('login failed for user=bob password=hunter22 from 10.0.0.1', 'secret_field'), [
    'hunter22',
  ]);
  assert.deepEqual(found('{"client_secret": "s3cr3t-v4lue"}', 'secret_field'), ['s3cr3t-v4lue']);
  assert.deepEqual(found('Authorization: Bearer abcdefghijklmnop1234', 'secret_field'), [
    'abcdefghijklmnop1234',
  ]);
  assert.deepEqual(found(`$config["secret_key"] = 'k3y-v4lue-123';`, 'secret_field'), ['k3y-v4lue-123']);
  assert.deepEqual(found('url=mysql://root:Pa55w0rd@10.1.2.3:3306/shop', 'secret_field'), ['Pa55w0rd']);
  assert.deepEqual(found('password: <your password>, token=null, password=********', 'secret_field'), []);
  assert.deepEqual(
    found('https://user:password@example.com and https://example.com/a:b@c', 'secret_field'),
    [],
  );
});
