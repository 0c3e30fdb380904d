import type { Plan } from '../../gateway/plan.ts';
import type { TemplateLookup } from './engine.ts';

/** Route templates from the plan serving now (`current` is read per lookup, so a reload is seen for new routes). */
export function planTemplates(current: () => Plan): TemplateLookup {
  return (api, route) => {
    for (const r of current().routes) {
      if (r.id === route && r.api.name === api) return r.template;
    }
    return undefined;
  };
}
