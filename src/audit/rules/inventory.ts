import { operationLabel, operationRef } from '../context.ts';
import type { Rule } from '../types.ts';

export const missingOperationId: Rule = {
  id: 'inventory.operation-id-missing',
  title: 'Operation without operationId',
  category: 'API9',
  severity: 'low',
  description:
    'Without a stable operationId an operation cannot be named in policies, logs, inventories and findings, and drifts unnoticed.',
  fix: 'Give every operation a unique operationId.',
  check: (ctx) =>
    ctx.operations
      .filter((op) => op.operationId === undefined || op.operationId === '')
      .map((op) => ({
        ...ctx.placeAt(op.pointer),
        message: `${operationLabel(op)} has no operationId`,
        operation: operationRef(op),
      })),
};

export const duplicateOperationId: Rule = {
  id: 'inventory.operation-id-duplicate',
  title: 'Duplicate operationId',
  category: 'API9',
  severity: 'medium',
  description:
    'Two operations with one operationId make policies and inventories ambiguous; the specification requires uniqueness.',
  fix: 'Rename one of the operations.',
  check(ctx) {
    const first = new Map<string, string>();
    const hits = [];
    for (const op of ctx.operations) {
      if (op.operationId === undefined) continue;
      const earlier = first.get(op.operationId);
      if (earlier === undefined) {
        first.set(op.operationId, operationLabel(op));
        continue;
      }
      hits.push({
        ...ctx.placeAt(`${op.pointer}/operationId`),
        message: `operationId '${op.operationId}' of ${operationLabel(op)} is already used by ${earlier}`,
        operation: operationRef(op),
      });
    }
    return hits;
  },
};
