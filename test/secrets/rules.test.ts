import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { describe, test } from 'node:test';
import { RULES } from '../../src/secrets/rules/index.ts';
import { scanText } from '../../src/secrets/scan-text.ts';
import { breakChecksum, generateKeys, rand } from './keygen.ts';

const k = generateKeys();

function found(text: string): Array<[string, string]> {
  return scanText(text).map((f) => [f.rule.id, f.confidence]);
}

/** One realistic line (or block) per rule, with the rule id and confidence it must produce. */
const planted: Array<[string, string, string]> = [
  ['aws-access-key-id', `export AWS_ACCESS_KEY_ID="${k.awsId}"`, 'high'],
  ['aws-secret-access-key', `aws_secret_access_key = ${k.awsSecret}`, 'medium'],
  ['gcp-api-key', `loadMaps({ key: "${k.gcpApiKey}" })`, 'high'],
  ['azure-storage-key', `DefaultEndpointsProtocol=https;AccountName=acme;AccountKey=${k.azureKey};`, 'high'],
  ['github-token', `token: ${k.githubClassic}`, 'high'],
  ['github-token', `GITHUB_TOKEN=${k.githubOauth}`, 'high'],
  ['github-token', `"${k.githubServer}"`, 'high'],
  ['github-fine-grained-token', `gh auth login --with-token ${k.githubFineGrained}`, 'high'],
  ['gitlab-token', `GITLAB_TOKEN: ${k.gitlab}`, 'high'],
  ['npm-token', `//registry.npmjs.org/:_authToken=${k.npm}`, 'high'],
  ['slack-token', `SLACK = "${k.slack}"`, 'high'],
  ['slack-webhook', `url: '${k.slackWebhook}'`, 'high'],
  ['stripe-secret-key', `const stripe = new Stripe("${k.stripe}");`, 'high'],
  ['twilio-api-key', `TWILIO_API_KEY=${k.twilioKey}`, 'medium'],
  ['twilio-auth-token', `TWILIO_AUTH_TOKEN=${k.twilioToken}`, 'high'],
  ['sendgrid-api-key', `sgMail.setApiKey('${k.sendgrid}')`, 'high'],
  ['mailgun-api-key', `mailgun({ key: "${k.mailgun}" })`, 'medium'],
  ['jwt', `Authorization: Bearer ${k.jwt}`, 'medium'],
  ['database-url', `DATABASE_URL=postgres://app:${k.dbPassword}@db.internal.acme.io:5432/app`, 'high'],
  ['database-url', `MONGO=mongodb+srv://svc:${k.dbPassword}@cluster0.ab1cd.mongodb.net/prod`, 'high'],
  ['database-url', `REDIS_URL=redis://:${k.dbPassword}@cache.acme.io:6379/0`, 'high'],
  ['database-url', `url = "mysql://root:${k.dbPassword}@10.1.2.3:3306/shop"`, 'high'],
  ['generic-secret', `api_key = "${k.generic}"`, 'medium'],
  ['generic-secret', `$config["secret_key"] = "${k.generic}";`, 'medium'],
  ['generic-secret', `  client_secret: ${k.generic}`, 'medium'],
  ['rampart-api-key', `RAMPART_KEY=${k.rampartLive}`, 'high'],
  ['rampart-api-key', `const key = '${k.rampartTest}';`, 'medium'],
  ['private-key', k.pem, 'high'],
  ['private-key', k.rsaPem, 'high'],
  ['private-key', k.openssh, 'high'],
];

describe('each rule finds its planted credential', () => {
  for (const [rule, text, confidence] of planted) {
    test(`${rule}: ${text.slice(0, 40).replace(/\n/g, ' ')}`, () => {
      assert.deepEqual(found(text), [[rule, confidence]]);
    });
  }
});

test('every rule has an id, title, description and at least one planted example', () => {
  const ids = new Set(RULES.map((r) => r.id));
  assert.equal(ids.size, RULES.length, 'rule ids are unique');
  for (const r of RULES) {
    assert.match(r.id, /^[a-z0-9-]+$/);
    assert.ok(r.title.length > 0 && r.description.length > 20, r.id);
    if (r.id !== 'gcp-service-account-key') {
      assert.ok(
        planted.some(([id]) => id === r.id),
        `${r.id} has a planted example`,
      );
    }
  }
});

test('an unquoted secret without a digit is reported where it ends its line (INI, .env, YAML)', () => {
  // about one 32-character base62 secret in 280 has no digit; it used to read as a code name
  const noDigit = 'gHjKtMpbQpythuTrYoMKiXNFWqqCXvwd';
  for (const text of [
    `[api]\nclient_secret = ${noDigit}\n`,
    `API_SECRET=${noDigit}`,
    `  client_secret: ${noDigit}   # from the console\n`,
  ]) {
    assert.deepEqual(found(text), [['generic-secret', 'medium']], text);
  }
});

test('an unquoted name followed by code is a reference, not a value, even when it looks random', () => {
  for (const text of [
    'tokenFlags = scanJSDocCommentForTags(text.slice(tokenStart, pos), tokenFlags);',
    'const secretKey = kSecretKeyXYZ;',
    'opts.token = kQwRtZpLmNbVcX, other = 1',
  ]) {
    assert.deepEqual(found(text), [], text);
  }
});

test('an AWS secret key beside its access key id is a high-confidence pair, even unnamed', () => {
  const text = `const creds = new AWS.Credentials('${k.awsId}', '${k.awsSecret}');`;
  assert.deepEqual(found(text), [
    ['aws-access-key-id', 'high'],
    ['aws-secret-access-key', 'high'],
  ]);
});

test('a GCP service-account JSON is reported once, as a service-account key', () => {
  const escaped = k.pem.replace(/\n/g, '\\n');
  const json = JSON.stringify(
    { type: 'service_account', project_id: 'acme', private_key_id: rand('0123456789abcdef', 40) },
    null,
    2,
  ).replace(
    '\n}',
    `,\n  "private_key": "${escaped}",\n  "client_email": "svc@acme.iam.gserviceaccount.com"\n}`,
  );
  assert.deepEqual(found(json), [['gcp-service-account-key', 'high']]);
});

test('an encrypted private key is medium confidence', () => {
  assert.deepEqual(found(k.pem.replaceAll('PRIVATE KEY', 'ENCRYPTED PRIVATE KEY')), [
    ['private-key', 'medium'],
  ]);
});

describe('look-alikes are not reported', () => {
  const lookAlikes: Array<[string, string]> = [
    ['UUIDs', `const ids = ["${randomUUID()}", "${randomUUID()}"]; requestId: ${randomUUID()}`],
    [
      'git SHAs',
      `resolved "https://registry.example/pkg.tgz#${randomBytes(20).toString('hex')}"\ncommit ${randomBytes(20).toString('hex')}`,
    ],
    [
      'sha256 hashes',
      `sha256sum: ${randomBytes(32).toString('hex')}  app.tar.gz\nintegrity: "sha256-${randomBytes(32).toString('base64')}"`,
    ],
    ['base64 images', `.logo{background:url(data:image/png;base64,${randomBytes(3000).toString('base64')})}`],
    [
      'lorem text',
      'Lorem ipsum dolor sit amet, consectetur adipiscing elit. The token is sent in the header; the secret: keep it safe. password: ******** see docs',
    ],
    ['a GitHub token with a wrong checksum', `token: ${breakChecksum(k.githubClassic)}`],
    ['an npm token with a wrong checksum', `_authToken=${breakChecksum(k.npm)}`],
    ['a Rampart key with a wrong checksum', `RAMPART_KEY=${breakChecksum(k.rampartLive)}`],
    [
      'placeholders',
      'AWS_ACCESS_KEY_ID=your-access-key-id\nSTRIPE_SECRET_KEY=<set me>\napi_key = "${API_KEY}"\npassword: changeme',
    ],
    [
      'code references',
      'const token = config.auth.token;\nconst secret = process.env.SECRET_KEY;\napiKey: getApiKey(),',
    ],
    ['identifiers', 'secretName: my-app-tls-secret\ntokenizer: word-piece-tokenizer'],
    [
      'code and examples seen in node_modules (regression)',
      [
        "password: 'real-secret-6-levels'",
        "const config = parse('postgres://someuser:somepassword@somehost:381/somedatabase')",
        'const md5PasswordBuffer = test_buffers_1.default.authenticationMD5Password();',
        'exports.AuthenticationMD5Password = AuthenticationMD5Password;',
        'token = cancellation_1.CancellationToken.is(params[numberOfParams]) ? params[0] : undefined;',
        '{ port: 30001, password: "password-for-30001" },',
      ].join('\n'),
    ],
    [
      'database URL placeholders',
      'postgres://user:password@localhost/db\npostgres://app:${DB_PASSWORD}@db/app',
    ],
    ['a PEM with an elided body', '-----BEGIN PRIVATE KEY-----\n...\n-----END PRIVATE KEY-----'],
    [
      'a public certificate',
      `-----BEGIN CERTIFICATE-----\n${randomBytes(600).toString('base64')}\n-----END CERTIFICATE-----`,
    ],
    [
      'a JWT-shaped string whose header is not JSON',
      `eyJ${rand('abcdefgh', 20)}.eyJ${rand('abcdefgh', 20)}.${rand('abcdefgh', 30)}`,
    ],
  ];
  for (const [name, text] of lookAlikes) {
    test(name, () => assert.deepEqual(found(text), []));
  }
});

test('documentation example keys are reported at low confidence (shown, not failing --fail-on medium)', () => {
  const text =
    'AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE\nAWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n';
  const hits = scanText(text);
  assert.deepEqual(
    hits.map((f) => [f.rule.id, f.confidence, f.note]),
    [
      ['aws-access-key-id', 'low', 'documentation example'],
      ['aws-secret-access-key', 'low', 'documentation example'],
    ],
  );
});

test('local development database defaults are low confidence', () => {
  assert.deepEqual(found('DATABASE_URL=postgres://postgres:postgres@localhost:5432/dev'), [
    ['database-url', 'low'],
  ]);
});
