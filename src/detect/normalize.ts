/**
 * Normalization of untrusted strings before injection detection.
 *
 * Attackers hide payloads behind encodings that the application (or a later layer) decodes:
 * double URL encoding, HTML entities, fullwidth or look-alike characters, null bytes, SQL
 * comments inside keywords. Every step here is linear in its input, and the whole pipeline
 * works on at most MAX_INSPECTED_LENGTH characters of a value: the tail of a longer value is
 * not inspected (callers bound request sizes before detection anyway).
 */

/** Values longer than this (UTF-16 code units, 64 KiB) are truncated before inspection. */
export const MAX_INSPECTED_LENGTH = 65_536;

/** URL and HTML decoding run at most this many passes (each pass is one URL + one HTML decode). */
export const MAX_DECODE_PASSES = 3;

/** Upper bound on a normalized string: NFKC can expand a character up to 18 times. */
export const MAX_NORMALIZED_LENGTH = 2 * MAX_INSPECTED_LENGTH;

/** Cut a value to the inspected prefix (see MAX_INSPECTED_LENGTH). */
export function truncateForInspection(input: string): string {
  return input.length > MAX_INSPECTED_LENGTH ? input.slice(0, MAX_INSPECTED_LENGTH) : input;
}

function hexValue(code: number): number {
  if (code >= 48 && code <= 57) return code - 48;
  const lower = code | 0x20;
  if (lower >= 97 && lower <= 102) return lower - 87;
  return -1;
}

/**
 * Decode a run of bytes as UTF-8, leniently: overlong forms such as `%c0%ae` decode to the
 * character they spell (an old traversal trick), and a byte that starts no valid sequence
 * becomes its Latin-1 character so that nothing silently disappears.
 */
function decodeUtf8Lenient(bytes: readonly number[]): string {
  let out = '';
  let i = 0;
  const n = bytes.length;
  while (i < n) {
    const b = bytes[i]!;
    if (b < 0x80) {
      out += String.fromCharCode(b);
      i += 1;
      continue;
    }
    let need = 0;
    let cp = 0;
    if (b >= 0xc0 && b <= 0xdf) {
      need = 1;
      cp = b & 0x1f;
    } else if (b >= 0xe0 && b <= 0xef) {
      need = 2;
      cp = b & 0x0f;
    } else if (b >= 0xf0 && b <= 0xf4) {
      need = 3;
      cp = b & 0x07;
    }
    let ok = need > 0 && i + need < n;
    for (let k = 1; ok && k <= need; k++) {
      const c = bytes[i + k];
      if (c === undefined || (c & 0xc0) !== 0x80) ok = false;
      else cp = (cp << 6) | (c & 0x3f);
    }
    if (!ok) {
      out += String.fromCharCode(b);
      i += 1;
      continue;
    }
    out += cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff) ? '\ufffd' : String.fromCodePoint(cp);
    i += need + 1;
  }
  return out;
}

/** One pass of percent-decoding: `%XX` runs as lenient UTF-8, and IIS-style `%uXXXX`. */
export function decodeUrl(input: string): string {
  if (input.indexOf('%') === -1) return input;
  let out = '';
  let bytes: number[] = [];
  let runStart = 0;
  let i = 0;
  const n = input.length;
  while (i < n) {
    if (input.charCodeAt(i) !== 37) {
      i += 1;
      continue;
    }
    const h1 = i + 2 < n ? hexValue(input.charCodeAt(i + 1)) : -1;
    const h2 = h1 >= 0 ? hexValue(input.charCodeAt(i + 2)) : -1;
    if (h2 >= 0) {
      if (runStart < i) {
        if (bytes.length > 0) {
          out += decodeUtf8Lenient(bytes);
          bytes = [];
        }
        out += input.slice(runStart, i);
      }
      bytes.push(h1 * 16 + h2);
      i += 3;
      runStart = i;
      continue;
    }
    const isU = i + 5 < n && (input.charCodeAt(i + 1) | 0x20) === 117;
    if (isU) {
      let v = 0;
      let ok = true;
      for (let k = 2; k < 6; k++) {
        const h = hexValue(input.charCodeAt(i + k));
        if (h < 0) {
          ok = false;
          break;
        }
        v = v * 16 + h;
      }
      if (ok) {
        if (bytes.length > 0) {
          out += decodeUtf8Lenient(bytes);
          bytes = [];
        }
        out += input.slice(runStart, i) + String.fromCharCode(v);
        i += 6;
        runStart = i;
        continue;
      }
    }
    i += 1;
  }
  if (bytes.length > 0) out += decodeUtf8Lenient(bytes);
  return out + input.slice(runStart);
}

// The entities that matter for hiding markup, script and shell or SQL syntax, plus common ones.
const NAMED_ENTITIES: ReadonlyMap<string, string> = new Map([
  ['lt', '<'],
  ['gt', '>'],
  ['amp', '&'],
  ['quot', '"'],
  ['apos', "'"],
  ['nbsp', ' '],
  ['tab', '\t'],
  ['newline', '\n'],
  ['colon', ':'],
  ['semi', ';'],
  ['comma', ','],
  ['period', '.'],
  ['sol', '/'],
  ['bsol', '\\'],
  ['lpar', '('],
  ['rpar', ')'],
  ['lsqb', '['],
  ['rsqb', ']'],
  ['lbrack', '['],
  ['rbrack', ']'],
  ['lcub', '{'],
  ['rcub', '}'],
  ['lbrace', '{'],
  ['rbrace', '}'],
  ['excl', '!'],
  ['quest', '?'],
  ['num', '#'],
  ['dollar', '$'],
  ['percnt', '%'],
  ['plus', '+'],
  ['equals', '='],
  ['vert', '|'],
  ['verbar', '|'],
  ['ast', '*'],
  ['midast', '*'],
  ['grave', '`'],
  ['lowbar', '_'],
  ['hat', '^'],
  ['commat', '@'],
  ['hyphen', '-'],
  ['dash', '-'],
  ['lsquo', "'"],
  ['rsquo', "'"],
  ['ldquo', '"'],
  ['rdquo', '"'],
]);

// Browsers still accept these four without the trailing semicolon.
const LEGACY_ENTITIES: ReadonlySet<string> = new Set(['lt', 'gt', 'amp', 'quot']);

// One quantifier per alternative, nothing after it that can fail: linear.
const ENTITY = /&(?:#x([0-9a-f]+)|#([0-9]+)|([a-z][a-z0-9]*))(;?)/gi;

function codePointText(cp: number): string {
  if (!Number.isFinite(cp) || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return '\ufffd';
  return String.fromCodePoint(cp);
}

/** One pass of HTML character reference decoding: numeric ones and the common named ones. */
export function decodeHtmlEntities(input: string): string {
  if (input.indexOf('&') === -1) return input;
  return input.replace(ENTITY, (whole, hex?: string, dec?: string, name?: string, semi?: string) => {
    // Long zero-padded numbers are an evasion; parse only the significant digits.
    if (hex !== undefined)
      return codePointText(Number.parseInt(hex.replace(/^0+/, '').slice(0, 8) || '0', 16));
    if (dec !== undefined)
      return codePointText(Number.parseInt(dec.replace(/^0+/, '').slice(0, 9) || '0', 10));
    const key = (name ?? '').toLowerCase();
    const value = NAMED_ENTITIES.get(key);
    if (value === undefined) return whole;
    if (semi === '' && !LEGACY_ENTITIES.has(key)) return whole;
    return value;
  });
}

/** URL then HTML decoding, repeated until stable or MAX_DECODE_PASSES passes. */
export function decodeRepeated(input: string): string {
  let current = input;
  for (let pass = 0; pass < MAX_DECODE_PASSES; pass++) {
    const next = decodeHtmlEntities(decodeUrl(current));
    if (next === current) break;
    current = next;
  }
  return current;
}

// Look-alikes that NFKC leaves alone but that parsers or humans read as ASCII syntax.
const CONFUSABLES: ReadonlyMap<number, string> = new Map([
  [0x2018, "'"],
  [0x2019, "'"],
  [0x201a, "'"],
  [0x201b, "'"],
  [0x2032, "'"],
  [0x02bc, "'"],
  [0x02b9, "'"],
  [0x02bb, "'"],
  [0x201c, '"'],
  [0x201d, '"'],
  [0x201e, '"'],
  [0x201f, '"'],
  [0x2033, '"'],
  [0x02ba, '"'],
  [0x2010, '-'],
  [0x2011, '-'],
  [0x2012, '-'],
  [0x2013, '-'],
  [0x2014, '-'],
  [0x2015, '-'],
  [0x2212, '-'],
  [0x2044, '/'],
  [0x2215, '/'],
  [0x29f8, '/'],
  [0x2216, '\\'],
  [0x29f9, '\\'],
  [0x2039, '<'],
  [0x203a, '>'],
  [0x3008, '<'],
  [0x3009, '>'],
  [0x27e8, '<'],
  [0x27e9, '>'],
  [0x02c2, '<'],
  [0x02c3, '>'],
  [0x2236, ':'],
  [0xa789, ':'],
  [0x01c3, '!'],
  // Cyrillic and Greek letters that look like Latin ones (lower case: folding runs after casing).
  [0x0430, 'a'],
  [0x0441, 'c'],
  [0x0435, 'e'],
  [0x04bb, 'h'],
  [0x0456, 'i'],
  [0x0458, 'j'],
  [0x04cf, 'l'],
  [0x043e, 'o'],
  [0x0440, 'p'],
  [0x0455, 's'],
  [0x0445, 'x'],
  [0x0443, 'y'],
  [0x03bf, 'o'],
  [0x03b1, 'a'],
  [0x03b9, 'i'],
  [0x03ba, 'k'],
  [0x03bd, 'v'],
  [0x03c1, 'p'],
  [0x03c5, 'u'],
  // Invisible format characters used to split keywords.
  [0x200b, ''],
  [0x200c, ''],
  [0x200d, ''],
  [0x2060, ''],
  [0xfeff, ''],
  [0x00ad, ''],
]);

const NON_ASCII = /[^\x00-\x7f]/;

/** Unicode NFKC (fullwidth, compatibility forms) plus a small confusables fold to ASCII. */
export function foldUnicode(input: string): string {
  if (!NON_ASCII.test(input)) return input;
  const nfkc = input.normalize('NFKC');
  let out = '';
  for (const ch of nfkc) {
    const mapped = CONFUSABLES.get(ch.codePointAt(0)!);
    out += mapped ?? ch;
  }
  return out;
}

/** Case folding (detection is case-insensitive everywhere). */
export function foldCase(input: string): string {
  return input.toLowerCase();
}

/** Remove NUL characters, which C-based layers treat as the end of a string. */
export function removeNullBytes(input: string): string {
  return input.indexOf('\0') === -1 ? input : input.replaceAll('\0', '');
}

/**
 * Remove SQL comments: inline comments become one space (`UN/**\/ION` stays two words, as in
 * SQL), MySQL executable comments `/*!50000 … *\/` keep their content, and `--` (before a space
 * or the end) and `#` comments run to the end of the line. An unterminated `/*` runs to the end.
 */
export function collapseSqlComments(input: string): string {
  if (input.indexOf('/*') === -1 && input.indexOf('--') === -1 && input.indexOf('#') === -1) return input;
  let out = '';
  let i = 0;
  const n = input.length;
  let executable = 0; // open /*! comments whose closing */ must vanish
  while (i < n) {
    const c = input[i]!;
    const next = input[i + 1];
    if (c === '/' && next === '*') {
      if (input[i + 2] === '!') {
        i += 3;
        while (i < n && i - 3 < 8 && input.charCodeAt(i) >= 48 && input.charCodeAt(i) <= 57) i += 1;
        executable += 1;
        out += ' ';
        continue;
      }
      const end = input.indexOf('*/', i + 2);
      out += ' ';
      i = end === -1 ? n : end + 2;
      continue;
    }
    if (c === '*' && next === '/' && executable > 0) {
      executable -= 1;
      out += ' ';
      i += 2;
      continue;
    }
    const dashComment = c === '-' && next === '-' && (i + 2 >= n || /\s/.test(input[i + 2]!));
    if (dashComment || c === '#') {
      const end = input.indexOf('\n', i);
      out += ' ';
      i = end === -1 ? n : end;
      continue;
    }
    out += c;
    i += 1;
  }
  return out;
}

/** Collapse every run of whitespace and control characters to one space, and trim. */
export function collapseWhitespace(input: string): string {
  return input.replace(/[\s\x00-\x1f\x7f]+/g, ' ').trim();
}

/**
 * The view the detectors inspect: truncated, decoded (URL and HTML, bounded passes), Unicode
 * folded, lower-cased, without NUL. Whitespace and comments are kept because they are syntax
 * for some detectors (a newline separates shell commands, `--` ends a SQL statement).
 */
export function canonicalize(input: string): string {
  const decoded = decodeRepeated(truncateForInspection(input));
  // Folded twice: NFKC can produce capitals (U+2121 is "TEL") and the confusables are lower case.
  const folded = removeNullBytes(foldUnicode(foldCase(foldUnicode(decoded))));
  return folded.length > MAX_NORMALIZED_LENGTH ? folded.slice(0, MAX_NORMALIZED_LENGTH) : folded;
}

/** Full normalization: canonicalize, then SQL comment and whitespace collapsing. */
export function normalize(input: string): string {
  return collapseWhitespace(collapseSqlComments(canonicalize(input)));
}
