import { collectIgnores } from '../ignore.ts';
import type { Rule } from '../types.ts';

export const invalidIgnore: Rule = {
  id: 'audit.invalid-ignore',
  title: 'Inline ignore without a reason or for an unknown rule',
  category: 'API9',
  severity: 'medium',
  description:
    'An x-rampart-audit-ignore entry must name a known rule and say why; one that does not is not applied, so that silencing a finding is always explained.',
  fix: 'Write `x-rampart-audit-ignore: [{ rule: <rule id>, reason: <why this is acceptable> }]`.',
  check: (ctx) => collectIgnores(ctx).problems.map((p) => ({ ...p.place, message: p.message })),
};
