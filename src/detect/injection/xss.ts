/**
 * Cross-site scripting: markup that runs script once reflected into HTML. A small linear tag
 * scanner looks at each `<name …` up to the next `>` or `<`: script-capable tags, event handler
 * attributes, `javascript:` URLs, CSS expressions. Outside tags: attribute breakouts
 * (`" onmouseover=alert(1)`), script URLs and calls to the usual proof sinks (`alert(1)`).
 */
import type { Detection, Inspection } from './types.ts';
import { detection, isSpace } from './types.ts';

const SCRIPT_TAGS: ReadonlySet<string> = new Set([
  'script',
  'iframe',
  'frame',
  'frameset',
  'object',
  'embed',
  'applet',
  'meta',
  'base',
  'link',
  'style',
  'xml',
  'import',
  'bgsound',
  'vmlframe',
  'isindex',
  'layer',
  'ilayer',
  'portal',
  'svg',
  'math',
  'xss',
  'handler',
  'listener',
  'form',
  'html',
  'body',
]);

// Closing these from inside a value breaks out into markup.
const BREAKOUT_TAGS: ReadonlySet<string> = new Set([
  'script',
  'style',
  'title',
  'textarea',
  'iframe',
  'noscript',
  'xmp',
]);

// Inside an attribute any script scheme counts, whatever follows it.
const ATTRIBUTE_SCHEMES: readonly string[] = [
  'javascript:',
  'vbscript:',
  'livescript:',
  'mocha:',
  'data:text/html',
];

const SCRIPT_SCHEMES: readonly string[] = [
  'javascript:',
  'vbscript:',
  'livescript:',
  'data:text/html',
  'data:image/svg+xml',
  'data:application/x-javascript',
];

function isLetter(c: string | undefined): boolean {
  return c !== undefined && c >= 'a' && c <= 'z';
}

/** An `on…=` attribute at `at` (pointing at `o`): returns the end of `=`, or -1. */
function eventHandlerAt(text: string, at: number, limit: number): number {
  if (text[at] !== 'o' || text[at + 1] !== 'n') return -1;
  let k = at + 2;
  while (k < limit && isLetter(text[k]) && k - at < 40) k += 1;
  if (k - at < 5) return -1; // "onx=" is too short to be an event
  while (k < limit && isSpace(text.charCodeAt(k))) k += 1;
  return text[k] === '=' ? k + 1 : -1;
}

function isAttributeSeparator(c: string | undefined): boolean {
  return (
    c === undefined ||
    c === ' ' ||
    c === '/' ||
    c === '"' ||
    c === "'" ||
    c === '\t' ||
    c === '\n' ||
    c === '\r' ||
    c === '\f' ||
    c === '`'
  );
}

/** Remove whitespace and control characters, which browsers skip inside scheme names. */
function compact(text: string): string {
  return text.replace(/[\s\x00-\x1f]+/g, '');
}

function scriptUrl(text: string): { at: number; scheme: string } | null {
  for (const scheme of SCRIPT_SCHEMES) {
    const at = text.indexOf(scheme);
    if (at === -1) continue;
    const rest = text.slice(at + scheme.length, at + scheme.length + 128);
    if (scheme.startsWith('data:') || /[(`=]/.test(rest) || rest.startsWith('/')) return { at, scheme };
  }
  return null;
}

function scanTags(text: string): Detection | null {
  let from = 0;
  const n = text.length;
  for (let guard = 0; guard < 65_536; guard++) {
    const lt = text.indexOf('<', from);
    if (lt === -1 || lt + 1 >= n) return null;
    let k = lt + 1;
    const closing = text[k] === '/';
    if (closing) k += 1;
    const nameStart = k;
    while (k < n && k - nameStart < 32 && (isLetter(text[k]) || /[0-9:_-]/.test(text[k]!))) k += 1;
    const name = text.slice(nameStart, k);
    if (name === '' || !isLetter(name[0])) {
      from = lt + 1;
      continue;
    }
    // The tag region ends at the next `>` or `<`: regions never overlap, so the scan is linear.
    const gt = text.indexOf('>', k);
    const nextLt = text.indexOf('<', k);
    let end = n;
    if (gt !== -1) end = gt;
    if (nextLt !== -1 && nextLt < end) end = nextLt;
    from = Math.max(end, lt + 1);
    const local = name.includes(':') ? name.slice(name.lastIndexOf(':') + 1) : name;
    if (closing) {
      if (BREAKOUT_TAGS.has(local)) return detection('xss', 'xss.closing-tag', 0.8, text, lt, end + 1);
      continue;
    }
    for (let i = k; i < end; i++) {
      if (text[i] === 'o' && isAttributeSeparator(text[i - 1])) {
        const eq = eventHandlerAt(text, i, end + 1);
        if (eq !== -1) return detection('xss', 'xss.event-handler', 0.9, text, lt, eq + 24);
      }
    }
    const raw = text.slice(k, end);
    // Script URLs need a colon and CSS expressions a colon or a parenthesis.
    if (raw.indexOf(':') !== -1 || raw.indexOf('(') !== -1) {
      const region = compact(raw);
      const attributeScheme = ATTRIBUTE_SCHEMES.some(
        (s) => region.includes(`="${s}`) || region.includes(`=${s}`) || region.includes(`='${s}`),
      );
      if (attributeScheme || scriptUrl(region) !== null) {
        return detection('xss', 'xss.script-url', 0.9, text, lt, end + 1);
      }
      if (region.includes('expression(') || region.includes('-moz-binding') || region.includes('behavior:')) {
        return detection('xss', 'xss.css-expression', 0.85, text, lt, end + 1);
      }
    }
    if (SCRIPT_TAGS.has(local) || name.startsWith('xml'))
      return detection('xss', 'xss.tag', 0.85, text, lt, end + 1);
    // SVG animation that rewrites a link, and IE data binding.
    if ((local === 'set' || local === 'animate') && raw.includes('attributename') && raw.includes('href')) {
      return detection('xss', 'xss.svg-animation', 0.85, text, lt, end + 1);
    }
    if (raw.includes('datasrc') || raw.includes('dataformatas')) {
      return detection('xss', 'xss.data-binding', 0.8, text, lt, end + 1);
    }
  }
  return null;
}

const SINKS =
  /(?:^|[^\w$])(?:alert|prompt|confirm|eval|settimeout|setinterval|fromcharcode|atob)\s*(?:\(\s*[^\s)]|`)/;
const SINK_AS_VALUE = /[=(,[](?:alert|prompt|confirm|eval)[,)\]]/;
const GLOBAL_INDEX = /\b(?:top|window|self|parent|frames|globalthis|this|content)\s*\[[^\]]{1,64}\]\s*\(/;
const DOM =
  /\bdocument\s*\.\s*(?:cookie|domain|write|location)|\.innerhtml\s*=|\blocation\s*\.\s*(?:hash|href)\s*=?/;
const BREAKOUT_HANDLER = /["'`>][^<>]{0,64}?(?:^|[\s/"'`])on[a-z]{3,40}\s*=/;

/** Decode JavaScript string escapes (`\u0065`, `\x65`, `\145`), which hide sink names. */
function unescapeJs(text: string): string {
  return text.replace(
    /\\(?:u\{([0-9a-f]{1,6})\}|u([0-9a-f]{4})|x([0-9a-f]{2})|([0-7]{1,3}))/g,
    (whole, cp?: string, u?: string, x?: string, o?: string) => {
      const v = Number.parseInt(
        cp ?? u ?? x ?? o ?? '',
        cp !== undefined || u !== undefined || x !== undefined ? 16 : 8,
      );
      return Number.isFinite(v) && v <= 0x10ffff ? String.fromCodePoint(v) : whole;
    },
  );
}

function scanScript(text: string): Detection | null {
  const sink = SINKS.exec(text) ?? SINK_AS_VALUE.exec(text) ?? GLOBAL_INDEX.exec(text);
  if (sink !== null)
    return detection('xss', 'xss.script-sink', 0.8, text, sink.index, sink.index + sink[0].length + 16);
  const dom = DOM.exec(text);
  if (dom !== null)
    return detection('xss', 'xss.dom-access', 0.75, text, dom.index, dom.index + dom[0].length + 16);
  return null;
}

/** Detect cross-site scripting in the canonical view of a value. */
// Markup no prose or plain HTML formatting carries. Each pattern is linear: fixed prefixes, and
// its only unbounded repetitions are single character classes, each followed by a fixed character.
// Namespaced XML (SVG, XSLT, MathML), a CDATA end, or a comment end right after a quote (the tail
// of a polyglot that breaks out of attributes, comments and CDATA at once).
const FOREIGN_MARKUP = /xmlns(?::[a-z]{1,16})?\s*=|xlink:href\s*=|\]\]>|['"`]-->|-->\s*<!--/;
// Inside a tag-like `<x`: an event handler after a slash, quote or a second `<` (`<x </onxxx=1`,
// `<x 1=">" onxxx=1`, which the tag scanner reads as ending early); style attributes loading URLs
// or written in CSS escapes; form controls with attributes (credential phishing); markup
// declarations; SVG shapes with attributes; legacy raw-text containers.
const TAG_START = /<[a-z!?/]/;
// Server-side code in a value (`<? echo(…)`, `<?= …`, `<% … %>`): reflected, it runs where the page is built.
const SERVER_TAG = /<\?(?:=|\s+[a-z_$])|<%(?:[=@!#:-]|\s|$)/;
// A CSS block with a comment splitting a word (`color:gre/**/en`): obfuscation past filters.
const CSS_SPLIT = /\{[^{}]{0,256}?[a-z]\/\*[^*]{0,64}\*\/[a-z]/;
const HANDLER_AT = /on[a-z]{3,24}\s*=/y;

/**
 * An event handler attribute inside a tag, found by one pass that knows quotes: `<x 1=">" onxxx=1`
 * (a quoted `>` does not end the tag) and `<x </onxxx=1` (a `<` inside a tag is a character).
 * The index of the handler, or -1.
 */
function lateHandler(text: string): number {
  let inTag = false;
  let quote = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (!inTag) {
      const next = text.charCodeAt(i + 1);
      if (c === 60 && next >= 97 && next <= 122) {
        inTag = true;
        i++;
      }
      continue;
    }
    if (quote !== 0) {
      if (c === quote) quote = 0;
      continue;
    }
    if (c === 34 || c === 39) quote = c;
    else if (c === 62) inTag = false;
    else if (c === 111 && text.charCodeAt(i + 1) === 110) {
      const before = text.charCodeAt(i - 1);
      if (before === 47 || before === 60 || before === 34 || before === 39 || isSpace(before)) {
        HANDLER_AT.lastIndex = i;
        if (HANDLER_AT.test(text)) return i;
      }
    }
  }
  return -1;
}
const STYLE_ATTRIBUTE = /\bstyle\s*=\s*["']?[^"'<>=]{0,256}?(?:url\s*\(|\\[0-9a-f]|&#)/;
const MARKUP_TAGS =
  /<(?:(?:input|textarea|select|button|keygen)\s+[a-z]|\/form\s*>|!attlist\s|!element\s|(?:circle|rect|path|ellipse|polygon|polyline|foreignobject|animate|animatemotion|animatetransform|feimage|image|use)\s+[a-z-]+\s*=|(?:xmp|plaintext|listing|noembed|noframes)\s*>|(?:xsl:)?template\s+match\s*=)/;

const CLOBBER = /<[a-z][a-z0-9-]{0,32}\s(?:[^<>]{0,256}?\s)?(?:id|name)\s*=/;

/** Markup injection the tag scanner does not judge script-capable on its own. */
function markupInjection(text: string): Detection | null {
  const start = TAG_START.exec(text);
  if (start === null) return null;
  const rest = start.index === 0 ? text : text.slice(start.index);
  const late = lateHandler(rest);
  if (late !== -1) return detection('xss', 'xss.event-handler', 0.8, rest, late, late + 40);
  const style = STYLE_ATTRIBUTE.exec(rest);
  if (style !== null) return detection('xss', 'xss.style-url', 0.7, rest, style.index, style.index + 64);
  const tag = MARKUP_TAGS.exec(rest);
  if (tag !== null) return detection('xss', 'xss.markup', 0.65, rest, tag.index, tag.index + 48);
  // dangling markup: a comment left open swallows the page after the value (a closed one only
  // comments itself out)
  const open = rest.lastIndexOf('<!--');
  if (open !== -1 && rest.indexOf('-->', open + 4) === -1)
    return detection('xss', 'xss.dangling-markup', 0.6, rest, open, open + 48);
  // DOM clobbering: an element whose id or name shadows a global the page's script reads
  const clobber = CLOBBER.exec(rest);
  if (clobber !== null)
    return detection('xss', 'xss.dom-clobbering', 0.6, rest, clobber.index, clobber.index + 48);
  return null;
}

export function detectXss(input: Inspection): Detection | null {
  const text = input.text;
  if (text.indexOf('<') !== -1) {
    const tag = scanTags(text);
    if (tag !== null) return tag;
    const xslt = text.indexOf('<?xml-stylesheet');
    if (xslt !== -1) return detection('xss', 'xss.stylesheet', 0.8, text, xslt, xslt + 48);
    const markup = markupInjection(text);
    if (markup !== null) return markup;
    const server = SERVER_TAG.exec(text);
    if (server !== null)
      return detection('xss', 'xss.server-tag', 0.65, text, server.index, server.index + 48);
  }
  if (text.indexOf('/*') !== -1) {
    const split = CSS_SPLIT.exec(text);
    if (split !== null)
      return detection('xss', 'xss.css-obfuscation', 0.6, text, split.index, split.index + 48);
  }
  const foreign = FOREIGN_MARKUP.exec(text);
  if (foreign !== null)
    return detection('xss', 'xss.foreign-markup', 0.75, text, foreign.index, foreign.index + 48);
  if (text.indexOf('=') !== -1) {
    const breakout = BREAKOUT_HANDLER.exec(text);
    if (breakout !== null) {
      const at = breakout.index;
      const tail = text.slice(at + breakout[0].length, at + breakout[0].length + 96);
      if (/[(`]/.test(tail))
        return detection('xss', 'xss.attribute-breakout', 0.85, text, at, at + breakout[0].length + 24);
    }
  }
  if (text.indexOf(':') !== -1) {
    const compacted = compact(text);
    const url = scriptUrl(compacted);
    if (url !== null) return detection('xss', 'xss.script-url', 0.85, compacted, url.at, url.at + 48);
  }
  if (
    text.indexOf('(') !== -1 ||
    text.indexOf('`') !== -1 ||
    text.indexOf('[') !== -1 ||
    text.indexOf('.') !== -1
  ) {
    const script = scanScript(text);
    if (script !== null) return script;
  }
  if (text.indexOf('\\') !== -1) {
    const unescaped = unescapeJs(text);
    if (unescaped !== text) {
      const script = scanScript(unescaped);
      if (script !== null) return script;
    }
  }
  const css = /expression\s*\(|-moz-binding\s*:|behavior\s*:\s*url\(/.exec(text);
  if (css !== null && text.indexOf('{') !== -1)
    return detection('xss', 'xss.css-expression', 0.75, text, css.index, css.index + 40);
  return null;
}
