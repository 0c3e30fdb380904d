import { BlockList, isIP } from 'node:net';
import type { ClientGateConfig } from '../config/schema.ts';
import { ConfigError, type Refusal, refuse } from '../errors.ts';
import { CONTINUE, type PhaseEntry, type RequestContext, type Verdict } from '../gateway/pipeline.ts';
import type { SharedState } from '../state/types.ts';
import { getIdentity } from './identity.ts';
import type { PolicyCompileContext, PolicyFactory } from './registry.ts';
import { sharedState } from './services.ts';

/** The blocklist member for a client IP or a consumer. */
export function blockMember(kind: 'ip' | 'consumer', value: string): string {
  return `${kind}:${value}`;
}

/**
 * Block an IP or a consumer for `ttlMs` on every gateway sharing the state (0 unblocks). The admin
 * API and the detectors call this; the block is checked first in the pipeline.
 */
export function blockClient(
  state: SharedState,
  kind: 'ip' | 'consumer',
  value: string,
  ttlMs: number,
): Promise<void> {
  return state.setMember('block', blockMember(kind, value), ttlMs);
}

function family(ip: string): 'ipv4' | 'ipv6' {
  return isIP(ip) === 6 ? 'ipv6' : 'ipv4';
}

/** Add "IP" or "IP/bits" to a BlockList; throws ConfigError naming the key. */
export function addCidr(list: BlockList, entry: string, key: string): void {
  const slash = entry.indexOf('/');
  const addr = slash < 0 ? entry : entry.slice(0, slash);
  const fam = isIP(addr);
  const max = fam === 6 ? 128 : 32;
  const bits =
    slash < 0 ? max : /^[0-9]{1,3}$/.test(entry.slice(slash + 1)) ? Number(entry.slice(slash + 1)) : -1;
  if (fam === 0 || bits < 0 || bits > max) {
    throw new ConfigError(`invalid IP or CIDR "${entry.slice(0, 64)}"`, {
      key,
      hint: 'e.g. 10.0.0.0/8 or 192.0.2.10',
    });
  }
  list.addSubnet(addr, bits, fam === 6 ? 'ipv6' : 'ipv4');
}

function cidrList(entries: readonly string[], key: string): BlockList | undefined {
  if (entries.length === 0) return undefined;
  const list = new BlockList();
  for (const [i, e] of entries.entries()) addCidr(list, e, `${key}.${i}`);
  return list;
}

interface ConfiguredBlock {
  readonly ips: BlockList | undefined;
  readonly consumer: string | undefined;
  readonly until: number;
}

/** Blocks written in the config, with their end times parsed. */
export function compileConfiguredBlocks(blocks: ClientGateConfig['block']): readonly ConfiguredBlock[] {
  return blocks.map((b, i) => {
    const key = `clientGate.block.${i}`;
    const until = Date.parse(b.until);
    if (!Number.isFinite(until)) {
      throw new ConfigError(`"until" is not a date-time`, { key, hint: 'e.g. 2030-01-31T00:00:00Z' });
    }
    if ((b.ip === undefined) === (b.consumer === undefined)) {
      throw new ConfigError('give exactly one of "ip" or "consumer"', { key });
    }
    const ips = b.ip === undefined ? undefined : new BlockList();
    if (ips !== undefined) addCidr(ips, b.ip!, `${key}.ip`);
    return { ips, consumer: b.consumer, until };
  });
}

function blocked(until: number, now: number): Refusal {
  return refuse('client.blocked', 'this client is blocked', {
    'retry-after': String(Math.max(1, Math.ceil((until - now) / 1000))),
  });
}

const DENIED: Verdict = { kind: 'refuse', refusal: refuse('client.blocked', 'this client is not allowed') };

/** The `client-gate` policy, first in the pipeline: IP allow and deny lists, configured and shared blocks. */
export const clientGatePolicy: PolicyFactory = {
  name: 'client-gate',
  phase: 'clientGate',
  compile(ctx: PolicyCompileContext): PhaseEntry {
    const gate = ctx.config.clientGate ?? { allow: [], deny: [], block: [] };
    const route = ctx.policy.clientGate;
    const deny = cidrList([...gate.deny, ...(route?.deny ?? [])], 'clientGate.deny');
    // a route's allow list narrows the global one: both must admit the client
    const allow = cidrList(gate.allow, 'clientGate.allow');
    const routeAllow = cidrList(route?.allow ?? [], 'x-rampart.clientGate.allow');
    const configured = compileConfiguredBlocks(gate.block).filter((b) => b.ips !== undefined);
    const state = sharedState(ctx.services);
    return {
      name: 'client-gate',
      mode: ctx.mode,
      run: function clientGate(rc: RequestContext): Verdict {
        const ip = rc.clientIp;
        const fam = family(ip);
        if (deny?.check(ip, fam)) return DENIED;
        if (allow !== undefined && !allow.check(ip, fam)) return DENIED;
        if (routeAllow !== undefined && !routeAllow.check(ip, fam)) return DENIED;
        const until = state.memberUntil('block', `ip:${ip}`);
        const now = until === 0 && configured.length === 0 ? 0 : Date.now();
        if (until !== 0) return { kind: 'refuse', refusal: blocked(until, now) };
        for (const b of configured) {
          if (b.until > now && b.ips!.check(ip, fam))
            return { kind: 'refuse', refusal: blocked(b.until, now) };
        }
        return CONTINUE;
      },
    };
  },
};

/**
 * The consumer half of the gate: a blocked consumer is known only once authenticated, so this runs
 * first in the rateLimit phase (before any counter is spent).
 */
export const consumerGatePolicy: PolicyFactory = {
  name: 'consumer-gate',
  phase: 'rateLimit',
  compile(ctx: PolicyCompileContext): PhaseEntry | null {
    if (!ctx.authenticated) return null;
    const gate = ctx.config.clientGate ?? { allow: [], deny: [], block: [] };
    const configured = new Map<string, number>();
    for (const b of compileConfiguredBlocks(gate.block)) {
      if (b.consumer !== undefined)
        configured.set(b.consumer, Math.max(b.until, configured.get(b.consumer) ?? 0));
    }
    const state = sharedState(ctx.services);
    return {
      name: 'consumer-gate',
      mode: ctx.mode,
      run: function consumerGate(rc: RequestContext): Verdict {
        const id = getIdentity(rc);
        if (id === undefined) return CONTINUE;
        const until = Math.max(
          state.memberUntil('block', `consumer:${id.consumer}`),
          configured.get(id.consumer) ?? 0,
        );
        if (until === 0) return CONTINUE;
        const now = Date.now();
        return until > now ? { kind: 'refuse', refusal: blocked(until, now) } : CONTINUE;
      },
    };
  },
};
