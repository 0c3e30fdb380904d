/**
 * Server-side template injection: template delimiters (`{{ }}`, `${ }`, `#{ }`, `*{ }`,
 * `<%= %>`, `{% %}`, FreeMarker and Smarty directives) around code-like content. A plain
 * placeholder such as `{{username}}` or `${HOME}` is not code and stays clean; arithmetic,
 * calls, indexing, dunder attributes, filters and the usual introspection roots are.
 */
import type { Detection, Inspection } from './types.ts';
import { detection } from './types.ts';

// Objects that expose the runtime in Jinja2, Twig, Django, Tornado, Thymeleaf…
const ROOTS: ReadonlySet<string> = new Set([
  'config',
  'self',
  '_self',
  'request',
  'settings',
  'app',
  'dump',
  'lipsum',
  'cycler',
  'joiner',
  'namespace',
  'url_for',
  'get_flashed_messages',
  'environment',
  'env',
  'session',
  'g',
  'class',
  'runtime',
  'smarty',
]);

const DANGEROUS_FILTERS = /\|\s*(?:attr|filter|map|reduce|sort|join|format|safe|e|raw|first|last)\b\s*\(?/;

/** How code-like the inside of a template expression is; 0 for a plain placeholder. */
function codeScore(inner: string): number {
  const body = inner.trim();
  if (body === '') return 0;
  // Mustache/Handlebars sections, partials, comments and raw output are not code.
  if (/^[#/^>!&]/.test(body) && /^[#/^>!&]\s*[a-z_][\w.-]*\s*$/.test(body)) return 0;
  if (body.includes('__')) return 0.95;
  if (
    /\bt\s*\(\s*java\./.test(body) ||
    body.includes('getclass') ||
    body.includes('runtime') ||
    body.includes('?new')
  )
    return 0.95;
  if (/[0-9)\]'"]\s*[-+*/%]\s*[0-9('"[]/.test(body)) return 0.9; // arithmetic: {{7*7}}, ${6*6}, {{3*'3'}}
  if (/[\w\])'"]\s*\(/.test(body) || body.includes('[')) return 0.85; // calls and indexing
  if (DANGEROUS_FILTERS.test(body)) return 0.85;
  const root = /^[a-z_][\w]*/.exec(body);
  if (root !== null && ROOTS.has(root[0])) return 0.8;
  if (/^['"]/.test(body)) return 0.75; // a literal: probing for evaluation
  return 0;
}

interface Delimiter {
  readonly open: string;
  readonly close: string;
  readonly rule: string;
}

const DELIMITERS: readonly Delimiter[] = [
  { open: '{{', close: '}}', rule: 'ssti.expression' },
  { open: '${', close: '}', rule: 'ssti.expression' },
  { open: '#{', close: '}', rule: 'ssti.expression' },
  { open: '*{', close: '}', rule: 'ssti.expression' },
  { open: '@{', close: '}', rule: 'ssti.expression' },
  { open: '[[', close: ']]', rule: 'ssti.expression' },
  { open: '{%', close: '%}', rule: 'ssti.statement' },
  { open: '<%', close: '%>', rule: 'ssti.scriptlet' },
  { open: '@(', close: ')', rule: 'ssti.expression' },
];

/** Inspect every `open … close` span; spans never overlap, so each character is seen once. */
function scanDelimiter(text: string, d: Delimiter): Detection | null {
  let from = 0;
  for (let guard = 0; guard < 65_536; guard++) {
    const open = text.indexOf(d.open, from);
    if (open === -1) return null;
    const closeAt = text.indexOf(d.close, open + d.open.length);
    const end = closeAt === -1 ? text.length : closeAt;
    // `{{{…}}}` and `${{…}}`: look at the innermost expression.
    let innerStart = open + d.open.length;
    while (innerStart < end && text[innerStart] === '{') innerStart += 1;
    const inner = text.slice(innerStart, end);
    if (d.rule === 'ssti.scriptlet') {
      // `<%= … %>` and `<% … %>`: any code at all.
      const body = inner.replace(/^[=-]/, '').trim();
      if (body !== '' && /[\w.('"]/.test(body))
        return detection('ssti', d.rule, 0.85, text, open, end + d.close.length);
    } else {
      const score = codeScore(inner);
      // `[[…]]` is also nested JSON arrays: only arithmetic or dunders count there.
      if (d.open === '[[' && score < 0.9) {
        // fall through to the next span
      } else if (score > 0 && (closeAt !== -1 || score >= 0.85)) {
        return detection('ssti', d.rule, score, text, open, end + d.close.length);
      }
    }
    if (closeAt === -1) return null;
    from = closeAt + d.close.length;
  }
  return null;
}

const DIRECTIVES =
  /[<[]#(?:assign|include|import|macro|function|list|if)\b|\{\/?php\}|\{\$smarty|\{\s*\$[a-z_][\w.]*\s*\}|freemarker\.template\.utility/;

/** Detect server-side template injection in the canonical view of a value. */
export function detectSsti(input: Inspection): Detection | null {
  const text = input.text;
  const directive = DIRECTIVES.exec(text);
  if (directive !== null) {
    // A bare `{$var}` is also PHP string interpolation in documentation: weaker.
    const score = /^\{\s*\$/.test(directive[0]) && !directive[0].includes('smarty') ? 0.7 : 0.9;
    return detection('ssti', 'ssti.directive', score, text, directive.index, directive.index + 48);
  }
  for (const d of DELIMITERS) {
    if (text.indexOf(d.open) === -1) continue;
    const hit = scanDelimiter(text, d);
    if (hit !== null) return hit;
  }
  return null;
}
