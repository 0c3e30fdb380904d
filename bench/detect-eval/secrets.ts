// Precision and recall of `rampart secrets`, per rule, on (1) the labeled corpus that
// shared/corpus/secrets/generate.py writes and (2) keys generated here, one file per rule, plus look-alikes.
// Run: node bench/detect-eval/secrets.ts
import { execFileSync } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { EMPTY_ALLOWLIST } from '../../src/secrets/allowlist.ts';
import { scanPaths } from '../../src/secrets/scan.ts';
import { breakChecksum, generateKeys } from '../../test/secrets/keygen.ts';

/** Corpus label → the rule expected to report it. */
const LABEL_TO_RULE: Record<string, string> = {
  aws_access_key: 'aws-access-key-id',
  github_token: 'github-token',
  stripe_secret_key: 'stripe-secret-key',
  slack_token: 'slack-token',
  google_api_key: 'gcp-api-key',
  private_key: 'private-key',
  database_url: 'database-url',
  jwt: 'jwt',
  generic_api_key: 'generic-secret',
};

interface Tally {
  tp: number;
  fp: number;
  fn: number;
}

/** Scans `dir` and scores findings against `labels` (file → expected rule id or null), per rule. */
function evaluate(dir: string, labels: Record<string, string | null>): Map<string, Tally> {
  const result = scanPaths({
    paths: ['.'],
    cwd: dir,
    gitignore: false,
    maxFileSize: 10 << 20,
    allowlist: EMPTY_ALLOWLIST,
  });
  const tallies = new Map<string, Tally>();
  const tally = (rule: string): Tally => {
    let t = tallies.get(rule);
    if (!t) {
      t = { tp: 0, fp: 0, fn: 0 };
      tallies.set(rule, t);
    }
    return t;
  };
  const byFile = new Map<string, Set<string>>();
  for (const f of result.findings) {
    const set = byFile.get(f.file) ?? new Set<string>();
    set.add(f.ruleId);
    byFile.set(f.file, set);
  }
  for (const [file, expected] of Object.entries(labels)) {
    const got = byFile.get(file) ?? new Set<string>();
    if (expected !== null) {
      if (got.has(expected)) tally(expected).tp++;
      else tally(expected).fn++;
    }
    for (const rule of got) if (rule !== expected) tally(rule).fp++;
  }
  return tallies;
}

function pct(n: number, d: number): string {
  return d === 0 ? '   n/a' : `${((100 * n) / d).toFixed(1).padStart(5)}%`;
}

function print(title: string, tallies: Map<string, Tally>): void {
  console.log(`\n${title}`);
  console.log(
    `${'rule'.padEnd(28)} ${'TP'.padStart(4)} ${'FP'.padStart(4)} ${'FN'.padStart(4)}  precision  recall`,
  );
  const total: Tally = { tp: 0, fp: 0, fn: 0 };
  for (const [rule, t] of [...tallies].sort(([a], [b]) => a.localeCompare(b))) {
    total.tp += t.tp;
    total.fp += t.fp;
    total.fn += t.fn;
    console.log(
      `${rule.padEnd(28)} ${String(t.tp).padStart(4)} ${String(t.fp).padStart(4)} ${String(t.fn).padStart(4)}  ` +
        `${pct(t.tp, t.tp + t.fp).padStart(9)}  ${pct(t.tp, t.tp + t.fn)}`,
    );
  }
  console.log(
    `${'all'.padEnd(28)} ${String(total.tp).padStart(4)} ${String(total.fp).padStart(4)} ${String(total.fn).padStart(4)}  ` +
      `${pct(total.tp, total.tp + total.fp).padStart(9)}  ${pct(total.tp, total.tp + total.fn)}`,
  );
}

function corpus(work: string): Map<string, Tally> {
  const generator = fileURLToPath(
    new URL('secrets/generate.py', new URL('../../../shared/corpus/', import.meta.url)),
  );
  const out = join(work, 'corpus');
  execFileSync('python3', [generator, out], { stdio: ['ignore', 'ignore', 'inherit'] });
  const raw = JSON.parse(readFileSync(join(out, 'labels.json'), 'utf8')) as Record<string, string | null>;
  const labels: Record<string, string | null> = {};
  for (const [file, kind] of Object.entries(raw)) {
    if (kind !== null && LABEL_TO_RULE[kind] === undefined)
      console.warn(`unknown corpus label ${kind} (${file})`);
    labels[file] = kind === null ? null : (LABEL_TO_RULE[kind] ?? kind);
  }
  labels['labels.json'] = null;
  return evaluate(out, labels);
}

function generated(work: string, rounds: number): Map<string, Tally> {
  const dir = join(work, 'generated');
  mkdirSync(dir, { recursive: true });
  const labels: Record<string, string | null> = {};
  const put = (name: string, text: string, rule: string | null): void => {
    writeFileSync(join(dir, name), text);
    labels[name] = rule;
  };
  for (let i = 0; i < rounds; i++) {
    const k = generateKeys();
    const planted: Array<[string, string, string]> = [
      ['aws-access-key-id', 'env', `AWS_ACCESS_KEY_ID=${k.awsId}\n`],
      ['aws-secret-access-key', 'cfg', `[default]\naws_secret_access_key = ${k.awsSecret}\n`],
      ['gcp-api-key', 'js', `firebase.initializeApp({ apiKey: "${k.gcpApiKey}" });\n`],
      [
        'azure-storage-key',
        'config',
        `AccountName=acme;AccountKey=${k.azureKey};EndpointSuffix=core.windows.net\n`,
      ],
      ['github-token', 'yml', `env:\n  GH_TOKEN: ${k.githubClassic}\n`],
      ['github-fine-grained-token', 'sh', `export GH_TOKEN=${k.githubFineGrained}\n`],
      ['gitlab-token', 'toml', `token = "${k.gitlab}"\n`],
      ['npm-token', 'npmrc', `//registry.npmjs.org/:_authToken=${k.npm}\n`],
      ['slack-token', 'py', `client = WebClient(token="${k.slack}")\n`],
      ['slack-webhook', 'json', `{"webhook": "${k.slackWebhook}"}\n`],
      ['stripe-secret-key', 'rb', `Stripe.api_key = '${k.stripe}'\n`],
      ['twilio-api-key', 'env', `TWILIO_API_KEY=${k.twilioKey}\n`],
      ['twilio-auth-token', 'env', `TWILIO_AUTH_TOKEN=${k.twilioToken}\n`],
      ['sendgrid-api-key', 'php', `$sg = new \\SendGrid('${k.sendgrid}');\n`],
      ['mailgun-api-key', 'go', `mg := mailgun.NewMailgun("mg.acme.io", "${k.mailgun}")\n`],
      ['jwt', 'http', `GET /me\nAuthorization: Bearer ${k.jwt}\n`],
      ['database-url', 'properties', `db.url=postgresql://svc:${k.dbPassword}@pg.acme.io/prod\n`],
      ['generic-secret', 'ini', `[api]\nclient_secret = ${k.generic}\n`],
      ['rampart-api-key', 'ts', `const key = '${k.rampartLive}';\n`],
      ['private-key', 'pem', k.pem],
    ];
    for (const [rule, ext, text] of planted) put(`${rule}-${i}.${ext}`, text, rule);
    put(`uuids-${i}.ts`, `export const ids = ["${randomUUID()}", "${randomUUID()}"];\n`, null);
    put(`shas-${i}.txt`, `${randomBytes(20).toString('hex')} ${randomBytes(32).toString('hex')}\n`, null);
    put(
      `image-${i}.css`,
      `.a{background:url(data:image/png;base64,${randomBytes(2000).toString('base64')})}\n`,
      null,
    );
    put(
      `badsum-${i}.txt`,
      `${breakChecksum(k.githubClassic)}\n${breakChecksum(k.npm)}\n${breakChecksum(k.rampartLive)}\n`,
      null,
    );
    put(`lorem-${i}.md`, 'Lorem ipsum dolor sit amet; the token: see docs. password: ******\n', null);
  }
  return evaluate(dir, labels);
}

const work = mkdtempSync(join(tmpdir(), 'rampart-secrets-eval-'));
try {
  print('shared/corpus/secrets (generate.py, labels.json)', corpus(work));
  print('generated keys, 20 rounds of one file per rule + look-alikes', generated(work, 20));
} finally {
  rmSync(work, { recursive: true, force: true });
}
