import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { auditDocument } from '../../src/audit/audit.ts';
import { formatJson as auditJson } from '../../src/audit/report/json.ts';
import { EXIT } from '../../src/cli/command.ts';
import { loadOpenApi } from '../../src/openapi/load.ts';
import type { ControlId, ControlState, PostureReport } from '../../src/report/types.ts';
import { DEMO_OPENAPI, demoVariant, runReport, swap } from './helpers.ts';

let dir: string;
let demo: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'rampart-report-'));
  demo = await demoVariant(dir, 'demo.yaml', (t) => t);
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function jsonReport(argv: string[]): Promise<PostureReport> {
  const r = await runReport([...argv, '--format', 'json'], dir);
  assert.equal(r.code, EXIT.ok, r.err);
  return JSON.parse(r.out) as PostureReport;
}

function state(report: PostureReport, label: string, control: ControlId): ControlState {
  const route = report.routes.find((r) => r.label === label);
  assert.ok(route, `no route ${label}`);
  const c = route.controls.find((x) => x.control === control);
  assert.ok(c, `no control ${control} on ${label}`);
  return c.state;
}

function verdict(report: PostureReport, framework: string, control: string): string {
  const c = report.frameworks.find((f) => f.id === framework)?.controls.find((x) => x.id === control);
  assert.ok(c, `no ${framework} ${control}`);
  return c.verdict;
}

const ENFORCED_EVERYWHERE: readonly ControlId[] = [
  'inventory',
  'resourceLimits',
  'validation',
  'inspection',
  'responseFiltering',
];
const OBJECT_ROUTES = ['demo:getUser', 'demo:updateUser', 'demo:getOrder', 'demo:deleteUser'];
const AUTHENTICATED = [
  'demo:getUser',
  'demo:updateUser',
  'demo:listOrders',
  'demo:getOrder',
  'demo:searchProducts',
  'demo:fetchPreview',
  'demo:deleteUser',
];

describe('rampart report on the demo config (every policy on)', () => {
  let report: PostureReport;
  before(async () => {
    report = await jsonReport(['--config', demo]);
  });

  test('lists every route of the demo with the controls it enforces', () => {
    assert.equal(report.routes.length, 9);
    for (const route of report.routes) {
      for (const c of ENFORCED_EVERYWHERE)
        assert.equal(state(report, route.label, c), 'enforce', `${route.label} ${c}`);
    }
    for (const label of AUTHENTICATED) {
      assert.equal(state(report, label, 'authentication'), 'enforce', label);
      const authn = report.routes
        .find((r) => r.label === label)
        ?.controls.find((c) => c.control === 'authentication');
      assert.equal(authn?.detail, 'jwt (bearerAuth)');
    }
    for (const label of OBJECT_ROUTES) assert.equal(state(report, label, 'ownership'), 'enforce', label);
    assert.equal(state(report, 'demo:health', 'authentication'), 'n/a');
    assert.equal(state(report, 'demo:login', 'rateLimit'), 'enforce');
    assert.equal(state(report, 'demo:login', 'bruteForce'), 'enforce');
    assert.equal(state(report, 'demo:deleteUser', 'authorization'), 'enforce');
    // what the demo does not configure is reported as such
    assert.equal(state(report, 'demo:listOrders', 'rateLimit'), 'off');
    assert.equal(state(report, 'demo:getUser', 'tls'), 'off');
    assert.equal(state(report, 'demo:getUser', 'logging'), 'partial');
  });

  test('framework controls that depend on enforced policies pass', () => {
    // no findings were given: the verdicts come from the controls alone
    assert.equal(verdict(report, 'owasp-api-2023', 'API1'), 'pass');
    assert.equal(verdict(report, 'owasp-api-2023', 'API3'), 'pass');
    assert.equal(verdict(report, 'owasp-api-2023', 'API5'), 'pass');
    assert.equal(verdict(report, 'owasp-api-2023', 'API7'), 'pass');
    assert.equal(verdict(report, 'owasp-api-2023', 'API9'), 'partial'); // logging is recommended, partial
    assert.equal(verdict(report, 'owasp-api-2023', 'API4'), 'partial'); // only the login is rate limited
    assert.equal(verdict(report, 'owasp-api-2023', 'API8'), 'fail'); // no TLS listener
    assert.equal(verdict(report, 'hipaa', '164.312(e)'), 'fail');
    assert.equal(verdict(report, 'gdpr', 'Art.32-pseudonymization'), 'pass');
    const api1 = report.frameworks[0]?.controls.find((c) => c.id === 'API1');
    assert.match(
      api1?.evidence.join('\n') ?? '',
      /Object ownership \(BOLA\): enforced on 4 of 4 object-level routes/,
    );
    const api8 = report.frameworks[0]?.controls.find((c) => c.id === 'API8');
    assert.match(api8?.remediation.join('\n') ?? '', /listeners\.0\.tls/);
  });

  test('the text summary is the default format', async () => {
    const r = await runReport(['--config', demo], dir);
    assert.equal(r.code, EXIT.ok, r.err);
    assert.match(r.out, /^rampart report: .*demo\.yaml, 9 routes/);
    assert.match(r.out, /Request validation +9 \/ 0 \/ 0 \/ 0/);
    assert.match(r.out, /OWASP API Security Top 10 \(2023\): \d+ pass/);
    assert.match(r.out, /fail {2}API8 {2}Security Misconfiguration\n {8}→ TLS: set listeners\.0\.tls/);
  });
});

describe('policies in monitor mode', () => {
  let report: PostureReport;
  before(async () => {
    const file = await demoVariant(dir, 'monitor.yaml', (t) => {
      let out = swap(t, 'validation:\n  enabled: true', 'validation:\n  enabled: true\n  mode: monitor');
      out = swap(out, 'inspection:\n  enabled: true', 'inspection:\n  enabled: true\n  mode: monitor');
      return swap(out, 'getUser: { ownership:', 'getUser: { mode: monitor, ownership:');
    });
    report = await jsonReport(['--config', file]);
  });

  test('the routes show monitor, with the setting that decides it', () => {
    for (const route of report.routes) {
      assert.equal(state(report, route.label, 'validation'), 'monitor');
      assert.equal(state(report, route.label, 'inspection'), 'monitor');
      assert.equal(
        state(report, route.label, 'responseFiltering'),
        route.label === 'demo:getUser' ? 'monitor' : 'enforce',
      );
    }
    const getUser = report.routes.find((r) => r.label === 'demo:getUser');
    const setting = (c: ControlId) => getUser?.controls.find((x) => x.control === c)?.setting;
    // a route's own mode wins over the section's, which wins over the config's
    assert.equal(setting('validation'), 'apis.0.routes.getUser.mode');
    const updateUser = report.routes.find((r) => r.label === 'demo:updateUser');
    assert.equal(updateUser?.controls.find((x) => x.control === 'validation')?.setting, 'validation.mode');
    assert.equal(setting('ownership'), 'apis.0.routes.getUser.mode');
    assert.equal(setting('responseFiltering'), 'apis.0.routes.getUser.mode');
    assert.equal(state(report, 'demo:getUser', 'ownership'), 'monitor');
    assert.equal(state(report, 'demo:updateUser', 'ownership'), 'enforce');
  });

  test('framework controls that depend on them fail', () => {
    assert.equal(verdict(report, 'owasp-api-2023', 'API3'), 'fail');
    assert.equal(verdict(report, 'owasp-api-2023', 'API7'), 'fail');
    assert.equal(verdict(report, 'pci-dss-4', '6.4.2'), 'fail');
    assert.equal(verdict(report, 'owasp-api-2023', 'API1'), 'partial'); // 3 of 4 object routes enforce ownership
    const api7 = report.frameworks[0]?.controls.find((c) => c.id === 'API7');
    assert.match(
      api7?.remediation.join('\n') ?? '',
      /Injection inspection: set inspection\.mode: enforce \(8 routes/,
    );
    assert.match(
      api7?.remediation.join('\n') ?? '',
      /Injection inspection: set apis\.0\.routes\.getUser\.mode: enforce \(GET/,
    );
    const api1 = report.frameworks[0]?.controls.find((c) => c.id === 'API1');
    assert.match(api1?.evidence.join('\n') ?? '', /monitor on GET \/api\/v1\/users\/\{id\}/);
  });
});

describe('policies off', () => {
  let report: PostureReport;
  let text: string;
  before(async () => {
    const edit = (t: string) => {
      let out = swap(t, 'validation:\n  enabled: true', 'validation:\n  enabled: false');
      out = swap(out, 'inspection:\n  enabled: true', 'inspection:\n  enabled: false');
      out = swap(out, 'response:\n  enabled: true', 'response:\n  enabled: false');
      return swap(out, 'getUser: { ownership: { param: id, claim: sub } }', 'getUser: {}');
    };
    const file = await demoVariant(dir, 'off.yaml', edit);
    report = await jsonReport(['--config', file]);
    text = (await runReport(['--config', file], dir)).out;
  });

  test('the routes show off and the framework controls fail', () => {
    for (const route of report.routes) {
      for (const c of ['validation', 'inspection', 'responseFiltering'] as const)
        assert.equal(state(report, route.label, c), 'off', `${route.label} ${c}`);
    }
    assert.equal(state(report, 'demo:getUser', 'ownership'), 'off');
    for (const id of ['API3', 'API7', 'API10'])
      assert.equal(verdict(report, 'owasp-api-2023', id), 'fail', id);
    assert.equal(verdict(report, 'owasp-api-2023', 'API1'), 'partial');
    assert.equal(verdict(report, 'gdpr', 'Art.25-minimization'), 'fail');
    assert.equal(verdict(report, 'hipaa', '164.312(c)'), 'fail');
  });

  test('remediation names the settings', () => {
    assert.match(text, /set validation\.enabled: true/);
    const api1 = report.frameworks[0]?.controls.find((c) => c.id === 'API1');
    assert.match(api1?.remediation.join('\n') ?? '', /set apis\.0\.routes\.getUser\.ownership: \{ param:/);
  });

  test('--fail-on fail exits 1, --fail-on with a severity and no findings exits 0', async () => {
    const file = join(dir, 'off.yaml');
    assert.equal((await runReport(['--config', file, '--fail-on', 'fail'], dir)).code, EXIT.findings);
    assert.equal((await runReport(['--config', file, '--fail-on', 'high'], dir)).code, EXIT.ok);
  });
});

describe('findings from audit, scan and secrets', () => {
  let auditFile: string;
  let scanFile: string;
  let secretsFile: string;
  before(async () => {
    const doc = await loadOpenApi(DEMO_OPENAPI);
    auditFile = join(dir, 'audit.json');
    await writeFile(auditFile, auditJson(auditDocument(doc), dir));
    scanFile = join(dir, 'scan.json');
    await writeFile(
      scanFile,
      JSON.stringify({
        tool: { name: 'rampart-scan', version: '0.1.0' },
        findings: [
          {
            id: 'bola.swap:GET /users/{id}:id',
            checkId: 'bola.swap',
            title: 'Object of another user readable',
            category: 'API1',
            cwe: 639,
            severity: 'high',
            severityReason: 'any user',
            operation: { method: 'GET', path: '/api/v1/users/{id}', operationId: 'getUser' },
            message: 'user B read user A',
            evidence: [],
            remediation: 'set apis[].routes.<op>.ownership',
          },
        ],
      }),
    );
    secretsFile = join(dir, 'secrets.json');
    await writeFile(
      secretsFile,
      JSON.stringify({
        tool: 'rampart-secrets',
        version: '0.1.0',
        findings: [
          {
            rule: 'stripe.secret-key',
            title: 'Stripe secret key',
            file: 'src/pay.ts',
            line: 3,
            column: 9,
            confidence: 'high',
            fingerprint: 'abc123',
            secret: 'sk_live_…[redacted]',
            length: 32,
          },
        ],
      }),
    );
  });

  test('are counted per route, mapped to categories and fail the controls they concern', async () => {
    const report = await jsonReport([
      '--config',
      demo,
      '--audit',
      auditFile,
      '--scan',
      scanFile,
      '--secrets',
      secretsFile,
    ]);
    const scan = report.findings.find((f) => f.source === 'scan');
    assert.equal(scan?.route, 'demo:getUser');
    assert.equal(report.routes.find((r) => r.label === 'demo:getUser')?.findings.high, 1);
    assert.ok(report.findings.some((f) => f.source === 'audit' && f.route !== null));
    assert.equal(report.findings.find((f) => f.source === 'secrets')?.severity, 'high');
    assert.ok(!JSON.stringify(report).includes('sk_live_'), 'the redacted secret itself is not carried over');
    // the BOLA finding fails API1 although ownership is enforced: the scan proves a gap
    assert.equal(verdict(report, 'owasp-api-2023', 'API1'), 'fail');
    const api1 = report.frameworks[0]?.controls.find((c) => c.id === 'API1');
    assert.match(api1?.evidence.join('\n') ?? '', /bola\.swap \(high, GET \/api\/v1\/users\/\{id\}\)/);
    // the leaked key counts against authentication
    const api2 = report.frameworks[0]?.controls.find((c) => c.id === 'API2');
    assert.match(api2?.evidence.join('\n') ?? '', /stripe\.secret-key/);
    assert.equal(report.inputs.scan.length, 1);
  });

  test('--fail-on by severity', async () => {
    assert.equal(
      (await runReport(['--config', demo, '--scan', scanFile, '--fail-on', 'high'], dir)).code,
      EXIT.findings,
    );
    assert.equal(
      (await runReport(['--config', demo, '--scan', scanFile, '--fail-on', 'critical'], dir)).code,
      EXIT.ok,
    );
  });
});

describe('bad inputs exit 2 with a clear error', () => {
  test('malformed findings JSON names the file', async () => {
    const file = join(dir, 'broken.json');
    await writeFile(file, '{"tool": "rampart-scan", "findings": [');
    const r = await runReport(['--config', demo, '--scan', file], dir);
    assert.equal(r.code, EXIT.usage);
    assert.match(r.err, /--scan .*broken\.json: not valid JSON/);
  });

  test('a findings file of the wrong shape names the field', async () => {
    const file = join(dir, 'bad-severity.json');
    await writeFile(
      file,
      JSON.stringify({
        tool: { name: 'rampart-scan' },
        findings: [
          {
            id: 'x',
            checkId: 'x',
            title: 'x',
            category: 'API1',
            severity: 'urgent',
            operation: { method: 'GET', path: '/x' },
            message: 'x',
            remediation: 'x',
          },
        ],
      }),
    );
    const r = await runReport(['--config', demo, '--scan', file], dir);
    assert.equal(r.code, EXIT.usage);
    assert.match(r.err, /findings\[0\]\.severity must be critical, high, medium, low or info/);
    const audit = await runReport(['--config', demo, '--audit', file], dir);
    assert.equal(audit.code, EXIT.usage);
    assert.match(audit.err, /is not the JSON of `rampart audit --format json`/);
  });

  test('a missing input file', async () => {
    const r = await runReport(['--config', demo, '--secrets', 'nope.json'], dir);
    assert.equal(r.code, EXIT.usage);
    assert.match(r.err, /--secrets .*nope\.json: cannot read \(ENOENT\)/);
  });

  test('an unknown framework id or file', async () => {
    const id = await runReport(['--config', demo, '--framework', 'sox'], dir);
    assert.equal(id.code, EXIT.usage);
    assert.match(id.err, /unknown framework "sox" \(built in: owasp-api-2023, pci-dss-4, gdpr, hipaa\)/);
    const file = await runReport(['--config', demo, '--framework', 'missing.yaml'], dir);
    assert.equal(file.code, EXIT.usage);
    assert.match(file.err, /missing\.yaml: cannot read framework file \(ENOENT\)/);
  });

  test('an invalid framework file names file:line and the key', async () => {
    const file = join(dir, 'bad-framework.yaml');
    await writeFile(
      file,
      'id: team\nname: Team rules\ncontrols:\n  - id: T1\n    title: x\n    requires:\n      - { control: firewall }\n',
    );
    const r = await runReport(['--config', demo, '--framework', file], dir);
    assert.equal(r.code, EXIT.usage);
    assert.match(
      r.err,
      /bad-framework\.yaml:7:\d+: controls\.0\.requires\.0\.control: must be one of inventory, authentication/,
    );
    await writeFile(file, 'id: team\nname: Team rules\ncontrols:\n  - id: T1\n    title: x\n');
    const empty = await runReport(['--config', demo, '--framework', file], dir);
    assert.equal(empty.code, EXIT.usage);
    assert.match(empty.err, /control "T1" needs requires or findings/);
    await writeFile(file, 'id: team\nname: [unclosed\n');
    const syntax = await runReport(['--config', demo, '--framework', file], dir);
    assert.equal(syntax.code, EXIT.usage);
    assert.match(syntax.err, /bad-framework\.yaml:\d+:\d+: /);
  });

  test('a bad config, option or events store', async () => {
    const config = await runReport(['--config', join(dir, 'none.yaml')], dir);
    assert.equal(config.code, EXIT.usage);
    assert.match(config.err, /cannot read config file/);
    assert.equal((await runReport(['--config', demo, '--format', 'pdf'], dir)).code, EXIT.usage);
    assert.equal((await runReport(['--config', demo, '--fail-on', 'severe'], dir)).code, EXIT.usage);
    const events = await runReport(['--config', demo, '--events', 'missing.db'], dir);
    assert.equal(events.code, EXIT.usage);
    assert.match(events.err, /--events missing\.db: no such SQLite file/);
  });

  test('a baseline that is not a report', async () => {
    const file = join(dir, 'not-a-report.json');
    await writeFile(file, '{"tool": "rampart-scan"}');
    const r = await runReport(['--config', demo, '--baseline', file], dir);
    assert.equal(r.code, EXIT.usage);
    assert.match(r.err, /--baseline .*not-a-report\.json: is not the JSON of `rampart report --format json`/);
  });
});

describe('a team framework file', () => {
  test('is judged like a built-in one', async () => {
    const file = join(dir, 'team.yaml');
    await writeFile(
      file,
      [
        'id: team-baseline',
        'name: Team API baseline',
        'controls:',
        '  - id: T1',
        '    title: Every request validated and inspected',
        '    requires: [{ control: validation }, { control: inspection }]',
        '  - id: T2',
        '    title: Every route rate limited',
        '    requires: [{ control: rateLimit }]',
        '',
      ].join('\n'),
    );
    const report = await jsonReport(['--config', demo, '--framework', file, '--framework', 'hipaa']);
    assert.deepEqual(
      report.frameworks.map((f) => f.id),
      ['team-baseline', 'hipaa'],
    );
    assert.equal(report.frameworks[0]?.source, file);
    assert.equal(verdict(report, 'team-baseline', 'T1'), 'pass');
    assert.equal(verdict(report, 'team-baseline', 'T2'), 'partial');
  });
});

describe('baseline diff', () => {
  test('shows what improved and what regressed', async () => {
    const monitorFile = join(dir, 'monitor-baseline.yaml');
    await writeFile(
      monitorFile,
      swap(
        await readFile(demo, 'utf8'),
        'validation:\n  enabled: true',
        'validation:\n  enabled: true\n  mode: monitor',
      ),
    );
    const before = await runReport(
      ['--config', monitorFile, '--format', 'json', '--out', 'before.json'],
      dir,
    );
    assert.equal(before.code, EXIT.ok, before.err);
    assert.match(before.err, /→ .*before\.json/);

    const improved = await jsonReport(['--config', demo, '--baseline', 'before.json']);
    const diff = improved.diff;
    assert.ok(diff);
    assert.equal(diff.regressed.length, 0);
    assert.ok(
      diff.improved.some(
        (e) =>
          e.kind === 'control' &&
          e.key === 'demo:getUser validation' &&
          e.before === 'monitor' &&
          e.after === 'enforce',
      ),
    );
    assert.ok(
      diff.improved.some(
        (e) => e.kind === 'framework' && e.key === 'owasp-api-2023 API3' && e.before === 'fail',
      ),
    );

    await runReport(['--config', demo, '--format', 'json', '--out', 'after.json'], dir);
    const text = await runReport(['--config', monitorFile, '--baseline', 'after.json'], dir);
    assert.equal(text.code, EXIT.ok, text.err);
    assert.match(text.out, /Since after\.json \(.*\): 0 improved, \d+ regressed/);
    assert.match(text.out, /regressed {2}owasp-api-2023 API3: pass → fail/);
  });
});

describe('TLS, security events, default rate limits and passthrough', () => {
  let report: PostureReport;
  before(async () => {
    await writeFile(join(dir, 'cert.pem'), 'not parsed by the report\n');
    await writeFile(join(dir, 'key.pem'), 'not parsed by the report\n');
    const file = await demoVariant(dir, 'hardened.yaml', (t) => {
      let out = swap(
        t,
        '    port: ${RAMPART_DEMO_PORT}\n',
        '    port: ${RAMPART_DEMO_PORT}\n    tls: { cert: ./cert.pem, key: ./key.pem }\n  - port: 8081\n    redirectToHttps: 8443\n',
      );
      out = swap(
        out,
        '    upstream: demo\n',
        '    upstream: demo\n    passthrough:\n      - { methods: [GET], path: /legacy/* }\n',
      );
      out = swap(
        out,
        'log:\n',
        'events:\n  enabled: true\nrateLimit:\n  default: [{ limit: 100, windowSeconds: 60, by: [consumer] }]\nlog:\n',
      );
      return out;
    });
    report = await jsonReport(['--config', file]);
  });

  test('each shows in the controls it decides', () => {
    const passthrough = report.routes.find((r) => r.label === 'demo:passthrough');
    assert.ok(passthrough);
    assert.equal(passthrough.controls.find((c) => c.control === 'inventory')?.state, 'off');
    assert.equal(passthrough.controls.find((c) => c.control === 'inventory')?.setting, 'apis.0.passthrough');
    assert.equal(state(report, 'demo:getUser', 'tls'), 'enforce');
    assert.equal(state(report, 'demo:getUser', 'logging'), 'enforce');
    assert.equal(state(report, 'demo:listOrders', 'rateLimit'), 'enforce');
    const rl = report.routes
      .find((r) => r.label === 'demo:listOrders')
      ?.controls.find((c) => c.control === 'rateLimit');
    assert.equal(rl?.detail, '100/60s by consumer');
    assert.equal(verdict(report, 'hipaa', '164.312(b)'), 'pass');
    assert.equal(verdict(report, 'hipaa', '164.312(e)'), 'pass');
    assert.equal(verdict(report, 'pci-dss-4', '10.2'), 'pass');
    // the passthrough forwards undeclared traffic: inventory is partial, not a pass
    assert.equal(verdict(report, 'owasp-api-2023', 'API9'), 'partial');
    // every route, the passthrough too, has size limits and the default rate limit
    assert.equal(verdict(report, 'owasp-api-2023', 'API4'), 'pass');
  });
});

describe('baseline diff of findings', () => {
  test('a fixed finding is an improvement; a report left out is not a fix', async () => {
    const scan = (findings: unknown[]) => JSON.stringify({ tool: { name: 'rampart-scan' }, findings });
    const finding = {
      id: 'ssrf.internal:POST /api/v1/fetch-preview:url',
      checkId: 'ssrf.internal',
      title: 'SSRF',
      category: 'API7',
      severity: 'critical',
      operation: { method: 'POST', path: '/api/v1/fetch-preview', operationId: 'fetchPreview' },
      message: 'the preview fetched 169.254.169.254',
      remediation: 'set inspection.enabled: true',
    };
    await writeFile(join(dir, 'scan-before.json'), scan([finding]));
    await writeFile(join(dir, 'scan-after.json'), scan([]));
    const base = await runReport(
      ['--config', demo, '--scan', 'scan-before.json', '-f', 'json', '-o', 'scan-base.json'],
      dir,
    );
    assert.equal(base.code, EXIT.ok, base.err);

    const fixed = await jsonReport([
      '--config',
      demo,
      '--scan',
      'scan-after.json',
      '--baseline',
      'scan-base.json',
    ]);
    assert.deepEqual(fixed.diff?.notes, []);
    assert.deepEqual(
      fixed.diff?.improved.filter((e) => e.kind === 'finding'),
      [
        {
          kind: 'finding',
          key: `scan:${finding.id}`,
          before: 'critical ssrf.internal',
          after: 'gone',
          direction: 'improved',
        },
      ],
    );
    assert.ok(
      fixed.diff?.improved.some(
        (e) => e.key === 'owasp-api-2023 API7' && e.before === 'fail' && e.after === 'pass',
      ),
    );

    const missing = await jsonReport(['--config', demo, '--baseline', 'scan-base.json']);
    assert.equal(missing.diff?.improved.filter((e) => e.kind === 'finding').length, 0);
    assert.match(missing.diff?.notes[0] ?? '', /differ in their scan input/);

    await runReport(
      ['--config', demo, '--scan', 'scan-after.json', '-f', 'json', '-o', 'scan-clean.json'],
      dir,
    );
    const back = await jsonReport([
      '--config',
      demo,
      '--scan',
      'scan-before.json',
      '--baseline',
      'scan-clean.json',
    ]);
    assert.ok(back.diff?.regressed.some((e) => e.kind === 'finding' && e.after === 'critical ssrf.internal'));
  });
});

describe('the command line', () => {
  test('--help exits 0 and documents the options and exit codes; an unknown option exits 2', async () => {
    const help = await runReport(['--help'], dir);
    assert.equal(help.code, EXIT.ok);
    for (const opt of [
      '--config',
      '--audit',
      '--scan',
      '--secrets',
      '--events',
      '--days',
      '--framework',
      '--format',
      '--out',
      '--fail-on',
      '--baseline',
    ])
      assert.ok(help.out.includes(opt), opt);
    assert.match(help.out, /Exit codes: 0 done; 1 the --fail-on threshold is crossed; 2 bad usage/);
    const bad = await runReport(['--config', demo, '--colour'], dir);
    assert.equal(bad.code, EXIT.usage);
    assert.match(bad.err, /Unknown option '--colour'/);
    const out = await runReport(['--config', demo, '--out', join(dir, 'no-such-dir', 'r.txt')], dir);
    assert.equal(out.code, EXIT.usage);
    assert.match(out.err, /--out .*r\.txt: cannot write \(ENOENT\)/);
    const days = await runReport(['--config', demo, '--days', '0'], dir);
    assert.equal(days.code, EXIT.usage);
    assert.match(days.err, /--days must be an integer from 1 to 3650/);
  });
});
