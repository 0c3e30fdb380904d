import { joinPointer } from '../openapi/pointer.ts';
import { isObject } from './context.ts';
import type { AuditContext, Finding, Place } from './types.ts';

/** The inline extension that silences a rule for the object it sits on and everything under it. */
export const IGNORE_KEY = 'x-rampart-audit-ignore';

const MAX_REASON = 1000;

/** One valid inline ignore. */
export interface IgnoreEntry {
  readonly rule: string;
  readonly reason: string;
  /** The object the ignore sits on: findings at or below it (or through an operation below it) are silenced. */
  readonly scope: { readonly file: string; readonly pointer: string };
  readonly place: Place;
}

/** An inline ignore that is not applied, and why. */
export interface IgnoreProblem {
  readonly place: Place;
  readonly message: string;
}

const cache = new WeakMap<AuditContext, { entries: IgnoreEntry[]; problems: IgnoreProblem[] }>();

/** Find every `x-rampart-audit-ignore` in the document (each object visited once) and check it. */
export function collectIgnores(ctx: AuditContext): { entries: IgnoreEntry[]; problems: IgnoreProblem[] } {
  // The engine and the audit.invalid-ignore rule both ask: walk the document once.
  const cached = cache.get(ctx);
  if (cached) return cached;
  const entries: IgnoreEntry[] = [];
  const problems: IgnoreProblem[] = [];
  const seen = new Set<object>();
  const stack: unknown[] = [ctx.doc.root];
  while (stack.length > 0) {
    const node = stack.pop();
    if (typeof node !== 'object' || node === null || seen.has(node)) continue;
    seen.add(node);
    if (Array.isArray(node)) {
      for (const child of node) stack.push(child);
      continue;
    }
    const obj = node as Record<string, unknown>;
    for (const [key, child] of Object.entries(obj)) if (!key.startsWith('x-')) stack.push(child);
    if (!(IGNORE_KEY in obj)) continue;
    const origin = ctx.doc.originOf(obj) ?? { file: ctx.doc.file, pointer: '' };
    const base = `${origin.pointer}/${IGNORE_KEY}`;
    const placeIn = (pointer: string): Place => ({
      file: origin.file,
      pointer,
      location: ctx.doc.locateIn(origin.file, pointer),
    });
    const list = obj[IGNORE_KEY];
    if (!Array.isArray(list)) {
      problems.push({ place: placeIn(base), message: `${IGNORE_KEY} must be a list of { rule, reason }` });
      continue;
    }
    list.forEach((item, i) => {
      const place = placeIn(joinPointer(base, i));
      if (!isObject(item) || typeof item.rule !== 'string') {
        problems.push({ place, message: `${IGNORE_KEY} entry needs a 'rule' (a rule id)` });
      } else if (!ctx.ruleIds.has(item.rule)) {
        problems.push({ place, message: `${IGNORE_KEY} names unknown rule '${item.rule.slice(0, 100)}'` });
      } else if (typeof item.reason !== 'string' || item.reason.trim() === '') {
        problems.push({
          place,
          message: `${IGNORE_KEY} of '${item.rule}' needs a 'reason'; it is not applied`,
        });
      } else {
        entries.push({
          rule: item.rule,
          reason: item.reason.trim().slice(0, MAX_REASON),
          scope: origin,
          place,
        });
      }
    });
  }
  const result = { entries, problems };
  cache.set(ctx, result);
  return result;
}

function within(scope: { file: string; pointer: string }, file: string, pointer: string): boolean {
  if (scope.file !== file) return false;
  return scope.pointer === '' || pointer === scope.pointer || pointer.startsWith(`${scope.pointer}/`);
}

/** The ignore that silences a finding, if any: by its own place or by the operation it came through. */
export function findIgnore(
  entries: readonly IgnoreEntry[],
  finding: Finding,
  rootFile: string,
): IgnoreEntry | undefined {
  for (const entry of entries) {
    if (entry.rule !== finding.rule) continue;
    // An ignore at the root of the document covers every file of it.
    if (entry.scope.file === rootFile && entry.scope.pointer === '') return entry;
    if (within(entry.scope, finding.file, finding.pointer)) return entry;
    if (finding.operation && within(entry.scope, rootFile, finding.operation.pointer)) return entry;
  }
  return undefined;
}
