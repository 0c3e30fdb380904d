/**
 * Internals that must not reach a client in an error body: stack traces, SQL error text, server
 * file paths and framework banners. Literal markers and per-line checks only (linear time); the
 * text is bounded by the caller's cap and each line is looked at up to MAX_LINE characters.
 */

/** What kind of internal detail a text leaks. */
export type LeakKind = 'stack' | 'sql' | 'path' | 'banner';

/** The first leak found: its kind and the marker that matched (a fixed string, never the text). */
export interface Leak {
  readonly kind: LeakKind;
  readonly marker: string;
}

const MAX_LINE = 1000;
const MAX_LINES = 5000;

// Literal markers, matched case-sensitively as they appear in the frameworks' own output.
const MARKERS: readonly (readonly [string, LeakKind])[] = [
  ['Traceback (most recent call last)', 'stack'],
  ['Stack trace:', 'stack'],
  ['goroutine ', 'stack'],
  ['Exception in thread "', 'stack'],
  ['--- End of inner exception stack trace ---', 'stack'],
  ['SQLITE_ERROR', 'sql'],
  ['SQLSTATE[', 'sql'],
  ['SQLSTATE ', 'sql'],
  ['You have an error in your SQL syntax', 'sql'],
  ['syntax error at or near', 'sql'],
  ['unterminated quoted string', 'sql'],
  ['Unclosed quotation mark after the character string', 'sql'],
  ['ER_PARSE_ERROR', 'sql'],
  ['PG::', 'sql'],
  ['psycopg2.', 'sql'],
  ['SQLException', 'sql'],
  ['ORA-0', 'sql'],
  ['ORA-1', 'sql'],
  ['ORA-2', 'sql'],
  ['Microsoft OLE DB Provider', 'sql'],
  ['ODBC SQL Server Driver', 'sql'],
  ['SequelizeDatabaseError', 'sql'],
  ['QueryFailedError', 'sql'],
  ['PrismaClientKnownRequestError', 'sql'],
  ['Whitelabel Error Page', 'banner'],
  ['Werkzeug Debugger', 'banner'],
  ['Django Version:', 'banner'],
  ["Server Error in '/' Application", 'banner'],
  ['X-Powered-By', 'banner'],
  ['Apache/2', 'banner'],
  ['Apache Tomcat/', 'banner'],
  ['nginx/1', 'banner'],
  ['Microsoft-IIS/', 'banner'],
  ['PHP/', 'banner'],
  ['Jetty(', 'banner'],
  ['JBoss', 'banner'],
  ['WildFly', 'banner'],
  ['Express</', 'banner'],
  ['node_modules/', 'path'],
  ['node_modules\\', 'path'],
  ['file:///', 'path'],
];

// Roots of server file systems: a path starting with one is internal, whatever its extension.
const ROOTS: readonly string[] = [
  '/home/',
  '/var/',
  '/usr/',
  '/srv/',
  '/opt/',
  '/etc/',
  '/root/',
  '/tmp/',
  '/app/',
  '/workspace/',
  '/Users/',
];
const SOURCE_EXT = new Set([
  'js',
  'mjs',
  'cjs',
  'ts',
  'py',
  'rb',
  'php',
  'java',
  'go',
  'cs',
  'jsp',
  'aspx',
  'kt',
  'scala',
  'rs',
  'ex',
  'exs',
  'pl',
]);
const SQL_STATEMENTS: readonly (readonly [string, string])[] = [
  ['SELECT ', ' FROM '],
  ['INSERT INTO ', ' VALUES'],
  ['UPDATE ', ' SET '],
  ['DELETE FROM ', ' WHERE '],
];

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

// "...:12:5)", "...:12)" or "...:12" at the end of a stack frame line.
function endsWithLineNumber(line: string): boolean {
  let e = line.length;
  while (e > 0 && (line.charCodeAt(e - 1) === 32 || line.charCodeAt(e - 1) === 41)) e--;
  const end = e;
  while (e > 0 && isDigit(line.charCodeAt(e - 1))) e--;
  return e < end && e > 0 && line.charCodeAt(e - 1) === 58;
}

function stackLine(line: string): boolean {
  const t = line.trimStart();
  // JavaScript, Java, .NET: "at fn (file:1:2)", "at pkg.Cls.m(Cls.java:12)", "at X.M() in C:\a.cs:line 4"
  if (t.startsWith('at ') && t.length > 4) {
    return endsWithLineNumber(t) || t.includes(':line ') || t.includes('.java:') || t.includes('(native)');
  }
  // Python: File "/app/x.py", line 12, in f
  if (t.startsWith('File "') && t.includes('", line ')) return true;
  // PHP: "#0 /var/www/x.php(12): f()", "... in /var/www/x.php on line 12"
  if (t.startsWith('#0 ') || (t.includes('.php') && t.includes(' on line '))) return true;
  // Ruby: "app/models/x.rb:12:in `f'"
  return t.includes('.rb:') && t.includes(':in `');
}

function pathToken(token: string): boolean {
  if (token.length < 5) return false;
  const c0 = token.charCodeAt(0);
  // C:\dir\file
  if (((c0 >= 65 && c0 <= 90) || (c0 >= 97 && c0 <= 122)) && token[1] === ':' && token[2] === '\\') {
    return token.indexOf('\\', 3) > 0;
  }
  if (c0 !== 47) return false;
  for (const root of ROOTS) if (token.startsWith(root) && token.length > root.length) return true;
  // /any/dir/file.ext (optionally :line): a source file
  let slashes = 0;
  for (let k = 0; k < token.length; k++) if (token.charCodeAt(k) === 47) slashes++;
  if (slashes < 2) return false;
  const last = token.slice(token.lastIndexOf('/') + 1);
  const dot = last.lastIndexOf('.');
  if (dot <= 0) return false;
  let ext = last.slice(dot + 1);
  const colon = ext.indexOf(':');
  if (colon >= 0) ext = ext.slice(0, colon);
  return SOURCE_EXT.has(ext.toLowerCase());
}

const TOKEN_BREAK = new Set([32, 9, 10, 13, 34, 39, 40, 41, 44, 60, 62, 96, 91, 93, 123, 125]);

function findPath(line: string): boolean {
  let start = -1;
  for (let k = 0; k <= line.length; k++) {
    const c = k < line.length ? line.charCodeAt(k) : 32;
    if (TOKEN_BREAK.has(c)) {
      if (start >= 0 && pathToken(line.slice(start, k))) return true;
      start = -1;
    } else if (start < 0) start = k;
  }
  return false;
}

/** The first internal detail in a text (an error body, or one string of a JSON error body), or null. */
export function findLeak(text: string): Leak | null {
  for (const [marker, kind] of MARKERS) if (text.includes(marker)) return { kind, marker };
  for (const [a, b] of SQL_STATEMENTS) {
    const i = text.indexOf(a);
    if (i >= 0 && text.indexOf(b, i + a.length) > 0)
      return { kind: 'sql', marker: `${a.trim()} … ${b.trim()}` };
  }
  let at = 0;
  for (let n = 0; n < MAX_LINES && at < text.length; n++) {
    let nl = text.indexOf('\n', at);
    if (nl < 0) nl = text.length;
    const line = text.slice(at, Math.min(nl, at + MAX_LINE));
    at = nl + 1;
    if (stackLine(line)) return { kind: 'stack', marker: 'stack frame' };
    if (findPath(line)) return { kind: 'path', marker: 'file path' };
  }
  return null;
}

/** The first leak in the strings (values and keys) of a parsed JSON value, visiting at most maxNodes. */
export function findLeakInJson(value: unknown, maxNodes = 100_000): Leak | null {
  const stack: unknown[] = [value];
  let nodes = 0;
  while (stack.length > 0 && nodes++ < maxNodes) {
    const v = stack.pop();
    if (typeof v === 'string') {
      const leak = findLeak(v);
      if (leak !== null) return leak;
    } else if (Array.isArray(v)) {
      for (const x of v) stack.push(x);
    } else if (v !== null && typeof v === 'object') {
      for (const [k, x] of Object.entries(v)) {
        stack.push(k);
        stack.push(x);
      }
    }
  }
  return null;
}
