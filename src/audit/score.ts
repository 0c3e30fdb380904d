import { CATEGORIES, type Category, type Finding, type Severity } from './types.ts';

/**
 * Score formula (0–100, higher is better):
 *
 *   deduction(rule) = WEIGHT[severity] × min(3, 1 + log2(n))   for a rule with n ≥ 1 findings
 *   score           = max(0, round(100 − Σ deduction(rule)))
 *
 * WEIGHT: critical 25, high 12, medium 5, low 2, info 0. The first finding of a rule costs its full
 * weight; more findings of the same rule cost less and less (2 → 2×, 4 or more → 3×), so one
 * repeated flaw cannot hide all others and a large document is not punished for its size alone.
 * Each category's score is the same formula over that category's rules only. Suppressed findings
 * (inline ignores with a reason) and disabled rules do not count.
 */
export const SEVERITY_WEIGHTS: Readonly<Record<Severity, number>> = Object.freeze({
  critical: 25,
  high: 12,
  medium: 5,
  low: 2,
  info: 0,
});

const MAX_MULTIPLIER = 3;

export interface CategoryScore {
  readonly category: Category;
  readonly title: string;
  readonly score: number;
  readonly findings: number;
  readonly deduction: number;
}

export interface Score {
  readonly score: number;
  readonly deduction: number;
  readonly categories: readonly CategoryScore[];
}

/** The deduction of one rule with `count` findings at `severity`. */
export function ruleDeduction(severity: Severity, count: number): number {
  if (count <= 0) return 0;
  return SEVERITY_WEIGHTS[severity] * Math.min(MAX_MULTIPLIER, 1 + Math.log2(count));
}

/** Score a list of (unsuppressed) findings; see SEVERITY_WEIGHTS for the formula. */
export function scoreFindings(findings: readonly Finding[]): Score {
  const byRule = new Map<string, { severity: Severity; category: Category; count: number }>();
  for (const f of findings) {
    const entry = byRule.get(f.rule);
    if (entry) entry.count++;
    else byRule.set(f.rule, { severity: f.severity, category: f.category, count: 1 });
  }
  const perCategory = new Map<Category, { deduction: number; findings: number }>();
  let total = 0;
  for (const { severity, category, count } of byRule.values()) {
    const d = ruleDeduction(severity, count);
    total += d;
    const c = perCategory.get(category) ?? { deduction: 0, findings: 0 };
    c.deduction += d;
    c.findings += count;
    perCategory.set(category, c);
  }
  const categories = (Object.keys(CATEGORIES) as Category[]).map((category) => {
    const c = perCategory.get(category) ?? { deduction: 0, findings: 0 };
    return {
      category,
      title: CATEGORIES[category],
      score: clampScore(c.deduction),
      findings: c.findings,
      deduction: round1(c.deduction),
    };
  });
  return { score: clampScore(total), deduction: round1(total), categories };
}

function clampScore(deduction: number): number {
  return Math.max(0, Math.round(100 - deduction));
}

function round1(n: number): number {
  return Math.round(n * 10) / 10;
}
