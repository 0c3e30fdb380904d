/**
 * Masking rules compiled per consumer role: a rule may name roles that see the value unmasked
 * (an admin sees what a user may not). The JSON masker for a set of roles is built on first use
 * and kept, so a request only computes which of the rules' roles its caller holds.
 */
import {
  createJsonMasker,
  type FieldMaskRule,
  type JsonMasker,
  type MaskStrategy,
  type PseudonymKey,
  type SensitiveType,
} from '../detect/sensitive/index.ts';

/** A masking rule and the roles exempt from it. */
export interface RoleScoped<T> {
  readonly rule: T;
  readonly exceptRoles: readonly string[];
}

/** Every masking rule of a route, as configured. */
export interface MaskingSpec {
  readonly fields: readonly RoleScoped<FieldMaskRule>[];
  readonly types: ReadonlyMap<SensitiveType, RoleScoped<MaskStrategy>>;
  readonly fieldNames: boolean;
  readonly scanText: boolean;
  readonly maxDepth: number;
}

/** A JSON masker per role set; `null` from `forRoles` when no rule applies to those roles. */
export interface RoleMaskers {
  /** True when any rule exists at all (else bodies need not be held for masking). */
  readonly any: boolean;
  forRoles(roles: readonly string[] | undefined): JsonMasker | null;
  /** The type strategies that apply to these roles (for text bodies). */
  typesForRoles(roles: readonly string[] | undefined): ReadonlyMap<SensitiveType, MaskStrategy>;
}

const MAX_ROLE_NAMES = 24;
const MAX_CACHED = 256;

/** The masking strategy a config name stands for; pseudonyms need the key (checked at load by the caller). */
export function strategyOf(
  name: 'redact' | 'partial' | 'pseudonym',
  key: PseudonymKey | undefined,
): MaskStrategy {
  if (name === 'redact') return { kind: 'redact', typed: true };
  if (name === 'partial') return { kind: 'partial' };
  if (key === undefined) throw new RangeError('a pseudonym rule needs response.masking.pseudonymKey');
  return { kind: 'pseudonym', key };
}

/** Compile the role-scoped rules; throws RangeError on more distinct exempt roles than supported. */
export function compileRoleMaskers(spec: MaskingSpec): RoleMaskers {
  const names: string[] = [];
  const index = (role: string): number => {
    let i = names.indexOf(role);
    if (i < 0) {
      if (names.length >= MAX_ROLE_NAMES)
        throw new RangeError(`at most ${MAX_ROLE_NAMES} distinct exceptRoles`);
      i = names.push(role) - 1;
    }
    return i;
  };
  const bitsOf = (roles: readonly string[]): number => roles.reduce((b, r) => b | (1 << index(r)), 0);
  const fields = spec.fields.map((f) => ({ rule: f.rule, bits: bitsOf(f.exceptRoles) }));
  const types = [...spec.types].map(([t, s]) => ({ type: t, strategy: s.rule, bits: bitsOf(s.exceptRoles) }));
  const any = fields.length > 0 || types.length > 0;
  const cache = new Map<number, JsonMasker | null>();
  const typeCache = new Map<number, ReadonlyMap<SensitiveType, MaskStrategy>>();

  function held(roles: readonly string[] | undefined): number {
    if (roles === undefined || names.length === 0) return 0;
    let bits = 0;
    for (let i = 0; i < names.length; i++) if (roles.includes(names[i]!)) bits |= 1 << i;
    return bits;
  }

  function typesFor(bits: number): Map<SensitiveType, MaskStrategy> {
    const out = new Map<SensitiveType, MaskStrategy>();
    for (const t of types) if ((t.bits & bits) === 0) out.set(t.type, t.strategy);
    return out;
  }

  function build(bits: number): JsonMasker | null {
    const f = fields.filter((x) => (x.bits & bits) === 0).map((x) => x.rule);
    const t = typesFor(bits);
    if (f.length === 0 && t.size === 0) return null;
    return createJsonMasker({
      fields: f,
      types: Object.fromEntries(t),
      fieldNames: spec.fieldNames,
      scanText: spec.scanText,
      maxDepth: spec.maxDepth,
    });
  }

  // the masker of callers holding none of the exempt roles is built at load, so config errors show then
  cache.set(0, build(0));

  return {
    any,
    forRoles(roles) {
      const bits = held(roles);
      let m = cache.get(bits);
      if (m === undefined) {
        m = build(bits);
        if (cache.size < MAX_CACHED) cache.set(bits, m);
      }
      return m;
    },
    typesForRoles(roles) {
      const bits = held(roles);
      let m = typeCache.get(bits);
      if (m === undefined) {
        m = typesFor(bits);
        if (typeCache.size < MAX_CACHED) typeCache.set(bits, m);
      }
      return m;
    },
  };
}
