/** XML external entity and entity-expansion attacks: DTDs that declare entities. */
import type { Detection, Inspection } from './types.ts';
import { detection } from './types.ts';

/** Detect XXE / entity expansion in the canonical view of a value. */
export function detectXxe(input: Inspection): Detection | null {
  const text = input.text;
  if (text.indexOf('<!') === -1 && text.indexOf('xi:include') === -1) return null;
  const include = text.indexOf('<xi:include');
  if (include !== -1) return detection('xxe', 'xxe.xinclude', 0.9, text, include, include + 40);
  let from = 0;
  for (let guard = 0; guard < 1024; guard++) {
    const at = text.indexOf('<!entity', from);
    if (at === -1) break;
    const close = text.indexOf('>', at);
    const decl = text.slice(at, close === -1 ? text.length : close + 1);
    // Regions never overlap, so repeated `<!entity` stays linear.
    from = close === -1 ? text.length : close + 1;
    if (/^<!entity\s+%/.test(decl))
      return detection('xxe', 'xxe.parameter-entity', 0.95, text, at, at + decl.length);
    if (/\s(?:system|public)\s/.test(decl))
      return detection('xxe', 'xxe.external-entity', 0.95, text, at, at + decl.length);
    if (decl.indexOf('&') !== -1)
      return detection('xxe', 'xxe.entity-expansion', 0.85, text, at, at + decl.length);
  }
  const doctype = text.indexOf('<!doctype');
  if (doctype !== -1) {
    const close = text.indexOf('>', doctype);
    const decl = text.slice(doctype, close === -1 ? text.length : close + 1);
    if (/\s(?:system|public)\s/.test(decl) || decl.indexOf('[') !== -1) {
      return detection('xxe', 'xxe.doctype', 0.85, text, doctype, doctype + decl.length);
    }
  }
  return null;
}
