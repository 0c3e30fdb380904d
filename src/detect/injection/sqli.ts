/**
 * SQL injection: a SQL tokenizer plus grammar-aware rules over the token sequence, in the
 * spirit of libinjection. The value is tokenized three times, as if it were spliced into SQL
 * bare, inside a single-quoted string and inside a double-quoted string (the text before the
 * first quote then closes that string). A rule fires on a token shape that only makes sense
 * as SQL: a closed string followed by a logic operator and a tautology, UNION SELECT, a stacked
 * statement, a time-delay function, comment truncation right after a quote, and so on.
 */
import type { Detection, Inspection } from './types.ts';
import { detection, isSpace } from './types.ts';

type TokenType =
  | 'str'
  | 'num'
  | 'word'
  | 'kw'
  | 'stmt'
  | 'logic'
  | 'not'
  | 'op'
  | 'cmp'
  | 'union'
  | 'func'
  | 'var'
  | 'lparen'
  | 'rparen'
  | 'comma'
  | 'semi'
  | 'dot'
  | 'comment'
  | 'other';

interface Token {
  type: TokenType;
  readonly value: string;
  readonly start: number;
  readonly end: number;
  /** For comments: a terminator SQL engines honour right here (`#`, `/*`, `--` + space/end). */
  readonly strong: boolean;
}

const LOGIC_WORDS: ReadonlySet<string> = new Set(['and', 'or', 'xor']);
const CMP_WORDS: ReadonlySet<string> = new Set([
  'like',
  'rlike',
  'regexp',
  'is',
  'in',
  'between',
  'sounds',
  'glob',
]);
const STATEMENTS: ReadonlySet<string> = new Set([
  'select',
  'insert',
  'update',
  'delete',
  'drop',
  'exec',
  'execute',
  'declare',
  'create',
  'alter',
  'truncate',
  'shutdown',
  'waitfor',
  'grant',
  'revoke',
  'merge',
  'backup',
]);
const KEYWORDS: ReadonlySet<string> = new Set([
  'from',
  'where',
  'order',
  'group',
  'by',
  'having',
  'limit',
  'offset',
  'into',
  'outfile',
  'dumpfile',
  'values',
  'table',
  'database',
  'schema',
  'exists',
  'case',
  'when',
  'then',
  'else',
  'end',
  'as',
  'all',
  'distinct',
  'top',
  'procedure',
  'function',
  'delay',
  'null',
  'true',
  'false',
  'join',
  'set',
  'asc',
  'desc',
  'view',
  'index',
  'trigger',
]);
// Functions whose presence in a value is SQL and little else.
const TIME_FUNCTIONS: ReadonlySet<string> = new Set([
  'pg_sleep',
  'benchmark',
  'receive_message',
  'dbms_lock',
  'randomblob',
]);
const SQL_FUNCTIONS: ReadonlySet<string> = new Set([
  'sleep',
  'pg_sleep',
  'benchmark',
  'load_file',
  'extractvalue',
  'updatexml',
  'get_host_address',
  'sys_eval',
  'sys_exec',
  'make_set',
  'elt',
  'group_concat',
  'concat',
  'concat_ws',
  'substring',
  'substr',
  'mid',
  'ascii',
  'ord',
  'char',
  'chr',
  'nchar',
  'hex',
  'unhex',
  'bin',
  'md5',
  'version',
  'database',
  'user',
  'current_user',
  'system_user',
  'session_user',
  'convert',
  'cast',
  'if',
  'iif',
  'ifnull',
  'isnull',
  'nullif',
  'coalesce',
  'count',
  'length',
  'len',
  'db_name',
  'user_name',
  'object_name',
  'exists',
  'rand',
  'floor',
  'utl_inaddr',
  'xmltype',
  'json_keys',
  'name_const',
]);
// Names of system catalogs and procedures: specific enough to count on their own.
const CATALOG_WORDS: ReadonlySet<string> = new Set([
  'information_schema',
  'sysobjects',
  'syscolumns',
  'sysusers',
  'sysdatabases',
  'sqlite_master',
  'sqlite_schema',
  'pg_catalog',
  'pg_shadow',
  'pg_user',
  'all_tables',
  'user_tables',
  'dba_users',
  'dba_role_privs',
  'xp_cmdshell',
  'xp_regread',
  'xp_regwrite',
  'xp_dirtree',
  'xp_fileexist',
  'xp_servicecontrol',
  'sp_executesql',
  'sp_oacreate',
  'sp_makewebtask',
  'sp_password',
  'sp_addlogin',
  'sp_addsrvrolemember',
  'utl_http',
  'utl_inaddr',
  'dbms_pipe',
  'dbms_xmlgen',
  'sysibm',
  'sysdummy1',
  'msysaccessobjects',
  'msysobjects',
]);
const MAX_CATALOG_WORD = Math.max(...[...CATALOG_WORDS].map((w) => w.length));

const SYSTEM_VARIABLES: ReadonlySet<string> = new Set([
  '@@version',
  '@@datadir',
  '@@hostname',
  '@@servername',
  '@@basedir',
  '@@tmpdir',
  '@@version_compile_os',
  '@@spid',
]);

function isDigit(code: number): boolean {
  return code >= 48 && code <= 57;
}

function isIdentChar(code: number): boolean {
  return (
    (code >= 97 && code <= 122) ||
    (code >= 65 && code <= 90) ||
    isDigit(code) ||
    code === 95 ||
    code === 36 ||
    code > 127
  );
}

// isIdentChar as a sticky pattern: for a long run the regex engine is about twice as fast as a loop.
const IDENT_RUN = /[A-Za-z0-9_$\u0080-\uffff]*/y;

/** The end of the run of identifier characters from `j`: short runs by a loop, long ones by IDENT_RUN. */
function identEnd(text: string, j: number): number {
  const n = text.length;
  const stop = Math.min(n, j + 16);
  while (j < stop && isIdentChar(text.charCodeAt(j))) j += 1;
  if (j < stop || j >= n || !isIdentChar(text.charCodeAt(j))) return j;
  IDENT_RUN.lastIndex = j;
  IDENT_RUN.test(text);
  return IDENT_RUN.lastIndex;
}

// Scan a quoted string from `i` (on the opening quote); doubled quotes and backslashes escape.
function stringEnd(text: string, i: number, quote: string): number {
  const n = text.length;
  let j = i + 1;
  while (j < n) {
    const c = text[j];
    if (c === '\\') {
      j += 2;
      continue;
    }
    if (c === quote) {
      if (text[j + 1] === quote) {
        j += 2;
        continue;
      }
      return j + 1;
    }
    j += 1;
  }
  return n;
}

const OPERATORS3: readonly string[] = ['<=>'];
const OPERATORS2: readonly string[] = ['<>', '!=', '<=', '>=', ':=', '||', '&&', '==', '!<', '!>'];
const CMP_OPERATORS: ReadonlySet<string> = new Set([
  '=',
  '==',
  '<>',
  '!=',
  '<',
  '>',
  '<=',
  '>=',
  '<=>',
  '!<',
  '!>',
]);

const OPERATOR_CHARS: ReadonlySet<string> = new Set('=<>!+-*/%&|^~:');

function operatorAt(text: string, i: number): string {
  const three = text.slice(i, i + 3);
  if (OPERATORS3.includes(three)) return three;
  const two = text.slice(i, i + 2);
  if (OPERATORS2.includes(two)) return two;
  const c = text[i]!;
  return c === ':' ? '' : c;
}

/**
 * Tokenize `text` as SQL. With `quote`, the text up to and including the first `quote` is the
 * tail of a string literal the application opened; null when there is no such quote.
 */
function tokenize(text: string, quote: '' | "'" | '"'): Token[] | null {
  const tokens: Token[] = [];
  const n = text.length;
  let i = 0;
  if (quote !== '') {
    const q = text.indexOf(quote);
    if (q === -1) return null;
    tokens.push({ type: 'str', value: text.slice(0, q), start: 0, end: q + 1, strong: false });
    i = q + 1;
  }
  // One object shape for every token keeps the scan monomorphic.
  const push = (type: TokenType, start: number, end: number, strong = false): void => {
    tokens.push({
      type,
      value: end - start === 1 ? text[start]! : text.slice(start, end),
      start,
      end,
      strong,
    });
  };
  while (i < n) {
    const code = text.charCodeAt(i);
    const c = text[i]!;
    const next = text[i + 1];
    if (isSpace(code) || code === 0xa0) {
      i += 1;
      continue;
    }
    if (c === "'" || c === '"') {
      const end = stringEnd(text, i, c);
      push('str', i, end);
      i = end;
      continue;
    }
    if (c === '`') {
      const close = text.indexOf('`', i + 1);
      const end = close === -1 ? n : close + 1;
      push('word', i, end);
      i = end;
      continue;
    }
    if (isDigit(code) || (c === '.' && next !== undefined && isDigit(next.charCodeAt(0)))) {
      let j = i;
      if (c === '0' && (next === 'x' || next === 'b')) {
        j += 2;
        while (j < n && isIdentChar(text.charCodeAt(j)) && text.charCodeAt(j) < 128) j += 1;
      } else {
        while (j < n && (isDigit(text.charCodeAt(j)) || text[j] === '.')) j += 1;
        if (
          text[j] === 'e' &&
          (isDigit(text.charCodeAt(j + 1)) || text[j + 1] === '+' || text[j + 1] === '-')
        ) {
          j += 2;
          while (j < n && isDigit(text.charCodeAt(j))) j += 1;
        }
      }
      push('num', i, j);
      i = j;
      continue;
    }
    if (isIdentChar(code)) {
      const j = identEnd(text, i + 1);
      const word = text.slice(i, j);
      const after = text[j];
      // n'…', x'…', b'…', e'…': prefixed string literals.
      if (j - i === 1 && (after === "'" || after === '"') && 'nxbeq'.includes(word)) {
        const end = stringEnd(text, j, after);
        push('str', i, end);
        i = end;
        continue;
      }
      // `1or1=1`: the number already ended; a logic word glued to digits splits.
      const glued = /^(or|and|xor)([0-9]+)$/.exec(word);
      if (glued !== null) {
        const k = i + glued[1]!.length;
        push('word', i, k);
        push('num', k, j);
        i = j;
        continue;
      }
      push('word', i, j);
      i = j;
      continue;
    }
    if (c === '@') {
      let j = i + 1;
      if (text[j] === '@') j += 1;
      while (j < n && isIdentChar(text.charCodeAt(j))) j += 1;
      push('var', i, j);
      i = j;
      continue;
    }
    if (c === '/' && next === '*') {
      if (text[i + 2] === '!') {
        // MySQL executes the body of /*!…*/: skip the marker and version, keep tokenizing.
        let j = i + 3;
        while (j < n && j < i + 9 && isDigit(text.charCodeAt(j))) j += 1;
        i = j;
        continue;
      }
      const close = text.indexOf('*/', i + 2);
      if (close !== -1) {
        i = close + 2;
        continue;
      }
      push('comment', i, n, true);
      i = n;
      continue;
    }
    if (c === '*' && next === '/') {
      i += 2;
      continue;
    }
    if ((c === '-' && next === '-') || c === '#') {
      const nl = text.indexOf('\n', i);
      const end = nl === -1 ? n : nl;
      const after = text.charCodeAt(i + 2);
      const strong = c === '#' || i + 2 >= n || isSpace(after);
      push('comment', i, end, strong);
      i = end;
      continue;
    }
    if (c === '(' || c === ')' || c === ',' || c === ';' || c === '.') {
      const type: TokenType =
        c === '(' ? 'lparen' : c === ')' ? 'rparen' : c === ',' ? 'comma' : c === ';' ? 'semi' : 'dot';
      push(type, i, i + 1);
      i += 1;
      continue;
    }
    const op = OPERATOR_CHARS.has(c) ? operatorAt(text, i) : '';
    if (op !== '') {
      const type: TokenType = CMP_OPERATORS.has(op) ? 'cmp' : op === '||' || op === '&&' ? 'logic' : 'op';
      push(type, i, i + op.length);
      i += op.length;
      continue;
    }
    // Runs of other punctuation (`{{{`, `???`) are one token: rules only need the break.
    let j = i + 1;
    while (j < n && text[j] === c) j += 1;
    push('other', i, j);
    i = j;
  }
  classify(tokens);
  return tokens;
}

// No logic word, comparison, statement or keyword is longer: a longer word is looked up in no set
// (a set lookup hashes the whole word, which for a long value costs more than the scan).
const MAX_KEYWORD = Math.max(
  ...[LOGIC_WORDS, CMP_WORDS, STATEMENTS, KEYWORDS].flatMap((set) => [...set].map((w) => w.length)),
);

function classify(tokens: Token[]): void {
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!;
    if (t.type !== 'word') continue;
    const w = t.value;
    if (w.length > MAX_KEYWORD) {
      if (tokens[i + 1]?.type === 'lparen') t.type = 'func';
      continue;
    }
    if (LOGIC_WORDS.has(w)) t.type = 'logic';
    else if (w === 'not') t.type = 'not';
    else if (CMP_WORDS.has(w)) t.type = 'cmp';
    else if (w === 'union') t.type = 'union';
    else if (STATEMENTS.has(w)) t.type = 'stmt';
    else if (KEYWORDS.has(w) && !(tokens[i + 1]?.type === 'lparen' && SQL_FUNCTIONS.has(w))) t.type = 'kw';
    else if (tokens[i + 1]?.type === 'lparen') t.type = 'func';
  }
}

interface Hit {
  readonly rule: string;
  readonly score: number;
  readonly start: number;
  readonly end: number;
}

function isLiteral(t: Token | undefined): boolean {
  if (t === undefined) return false;
  return (
    t.type === 'str' ||
    t.type === 'num' ||
    t.type === 'var' ||
    (t.type === 'kw' && (t.value === 'true' || t.value === 'false' || t.value === 'null'))
  );
}

function isEnd(t: Token | undefined): boolean {
  return t === undefined || t.type === 'comment' || t.type === 'semi';
}

function isKnownFunction(t: Token | undefined): boolean {
  return t !== undefined && t.type === 'func' && SQL_FUNCTIONS.has(t.value);
}

// Skip opening parentheses and unary operators (bounded).
function skipPrefix(tokens: readonly Token[], k: number): number {
  let guard = 0;
  while (guard < 16) {
    const t = tokens[k];
    if (t === undefined) break;
    if (
      t.type === 'lparen' ||
      t.type === 'not' ||
      (t.type === 'op' && (t.value === '-' || t.value === '~' || t.value === '!'))
    ) {
      k += 1;
      guard += 1;
      continue;
    }
    break;
  }
  return k;
}

// The index of the `)` matching the `(` at `k` (bounded), or the last token looked at.
function closingParen(tokens: readonly Token[], k: number): number {
  let depth = 0;
  let i = k;
  for (; i < tokens.length && i < k + 64; i++) {
    const t = tokens[i]!;
    if (t.type === 'lparen') depth += 1;
    else if (t.type === 'rparen') {
      depth -= 1;
      if (depth <= 0) return i;
    }
  }
  return Math.min(i, tokens.length - 1);
}

// Skip `.name` parts of a qualified name (`members.email`, `myapp.adduser`).
function skipQualified(tokens: readonly Token[], k: number): number {
  for (let guard = 0; guard < 8; guard++) {
    const d = tokens[k + 1];
    const w = tokens[k + 2];
    if (d?.type !== 'dot' || w === undefined || (w.type !== 'word' && w.type !== 'func')) break;
    k += 2;
  }
  return k;
}

/**
 * How SQL-like the expression starting at `k` is (right after a logic operator). After a
 * closed string (`closedString`) any literal arithmetic counts: `' or ''*'`.
 */
function expressionScore(tokens: readonly Token[], k: number, closedString = false): number {
  k = skipPrefix(tokens, k);
  if (tokens[k]?.type === 'word') k = skipQualified(tokens, k);
  const t = tokens[k];
  if (t === undefined) return 0;
  if (t.type === 'func') return SQL_FUNCTIONS.has(t.value) || TIME_FUNCTIONS.has(t.value) ? 0.9 : 0.55;
  if ((t.type === 'stmt' && t.value === 'select') || (t.type === 'kw' && t.value === 'exists')) return 0.9;
  if (!isLiteral(t) && t.type !== 'word') return 0;
  const u = tokens[k + 1];
  if (u !== undefined && u.type === 'cmp') {
    let vIndex = skipPrefix(tokens, k + 2);
    const v = tokens[vIndex];
    const rhs =
      isLiteral(v) ||
      v?.type === 'func' ||
      v?.type === 'word' ||
      (v?.type === 'stmt' && v.value === 'select') ||
      (v?.type === 'kw' && v.value === 'null');
    if (!rhs) return 0;
    if (isLiteral(t)) return 0.95;
    // `x=x`: the same identifier on both sides is a tautology.
    if (v?.type === 'word' && v.value === t.value) return 0.9;
    if (v?.type === 'word') vIndex = skipQualified(tokens, vIndex);
    if (v?.type === 'func') vIndex = closingParen(tokens, vIndex + 1);
    const after = tokens[vIndex + 1];
    return isEnd(after) || after?.type === 'rparen' ? 0.8 : 0.7;
  }
  if (isLiteral(t) && (isEnd(u) || u?.type === 'rparen')) return 0.8;
  if (closedString && isLiteral(t) && (u?.type === 'op' || isLiteral(u))) return 0.75;
  return 0;
}

// The list after SELECT looks like SQL: operands separated by commas/operators, then FROM or an end.
function selectListScore(tokens: readonly Token[], k: number): number {
  let elements = 0;
  let expectOperand = true;
  let strong = false;
  for (let guard = 0; guard < 48; guard++) {
    const t = tokens[k];
    if (
      t === undefined ||
      t.type === 'semi' ||
      t.type === 'comment' ||
      t.type === 'union' ||
      t.type === 'rparen'
    ) {
      return elements > 0 && !expectOperand ? (strong ? 0.9 : 0.75) : 0;
    }
    if (t.type === 'kw' && t.value === 'into' && elements > 0) return 0.9;
    if (t.type === 'kw' && t.value === 'from') {
      const next = tokens[k + 1];
      return elements > 0 &&
        !expectOperand &&
        next !== undefined &&
        (next.type === 'word' || next.type === 'lparen')
        ? 0.9
        : 0;
    }
    if (
      t.type === 'kw' &&
      (t.value === 'distinct' || t.value === 'top' || t.value === 'all') &&
      elements === 0
    ) {
      k += 1;
      continue;
    }
    if (expectOperand) {
      if (t.type === 'op' && t.value === '*') strong = true;
      else if (t.type === 'var') strong = true;
      else if (t.type === 'func') {
        strong = true;
        // Skip the call's parentheses.
        let depth = 0;
        k += 1;
        for (let g = 0; g < 64 && k < tokens.length; g++, k++) {
          const p = tokens[k]!;
          if (p.type === 'lparen') depth += 1;
          else if (p.type === 'rparen') {
            depth -= 1;
            if (depth === 0) break;
          }
        }
      } else if (t.type === 'lparen') {
        const inner = tokens[k + 1];
        if (inner?.type === 'stmt' && inner.value === 'select') return 0.9;
        return 0;
      } else if (!(isLiteral(t) || t.type === 'word')) return 0;
      elements += 1;
      expectOperand = false;
      k += 1;
      continue;
    }
    if (t.type === 'comma' || t.type === 'op' || t.type === 'logic') {
      expectOperand = true;
      k += 1;
      continue;
    }
    if (t.type === 'dot' && tokens[k + 1]?.type === 'word') {
      k += 2;
      continue;
    }
    if (t.type === 'kw' && t.value === 'as' && tokens[k + 1] !== undefined) {
      k += 2;
      continue;
    }
    return 0;
  }
  return elements > 0 ? 0.75 : 0;
}

const OBJECT_KINDS: ReadonlySet<string> = new Set([
  'table',
  'database',
  'schema',
  'function',
  'procedure',
  'view',
  'index',
  'trigger',
  'user',
]);

/** A statement starting at `k` (a `stmt` token) with a continuation only SQL has. */
function statementScore(tokens: readonly Token[], k: number): number {
  const t = tokens[k]!;
  const a = tokens[k + 1];
  const b = tokens[k + 2];
  const c = tokens[k + 3];
  switch (t.value) {
    case 'select':
      return selectListScore(tokens, k + 1);
    case 'insert':
      return a?.value === 'into' &&
        b?.type === 'word' &&
        (c?.type === 'lparen' || c?.value === 'values' || c?.value === 'select')
        ? 0.9
        : 0;
    case 'update':
      return a?.type === 'word' && b?.value === 'set' && c?.type === 'word' && tokens[k + 4]?.type === 'cmp'
        ? 0.9
        : 0;
    case 'delete':
      return a?.value === 'from' && b?.type === 'word' && (isEnd(c) || c?.value === 'where') ? 0.9 : 0;
    case 'drop':
    case 'create':
    case 'alter':
    case 'truncate':
      return a !== undefined &&
        OBJECT_KINDS.has(a.value) &&
        (b?.type === 'word' || b?.type === 'kw' || b?.type === 'func')
        ? 0.85
        : 0;
    case 'exec':
    case 'execute':
      if (a === undefined) return 0;
      if (a.type === 'lparen' || a.type === 'var' || a.type === 'str' || a.value === 'immediate') return 0.85;
      if (a.value === 'xp' || a.value === 'sp') return 0.7;
      return a.value.startsWith('xp_') || a.value.startsWith('sp_') || a.value === 'master' ? 0.95 : 0;
    case 'declare':
      return a?.type === 'var' ? 0.85 : 0;
    case 'shutdown':
      return isEnd(a) || a?.value === 'with' ? 0.85 : 0;
    case 'backup':
      return a?.value === 'database' && b?.type === 'word' ? 0.85 : 0;
    case 'waitfor':
      return (a?.value === 'delay' || a?.value === 'time') && b?.type === 'str' ? 0.95 : 0;
    default:
      return 0;
  }
}

const HEX_KEYWORDS: readonly string[] = [
  'select',
  'union',
  'waitfor',
  'delay',
  'sleep',
  'exec',
  'drop',
  'insert',
  '@@version',
];

/** A long hex literal that decodes (as ASCII or UTF-16LE) to SQL: `0x77616974666f72…`. */
function hexHidesSql(hex: string): boolean {
  let text = '';
  for (let i = 0; i + 1 < hex.length && i < 512; i += 2) {
    const b = Number.parseInt(hex.slice(i, i + 2), 16);
    if (Number.isNaN(b)) return false;
    if (b !== 0) text += String.fromCharCode(b);
  }
  const lower = text.toLowerCase();
  return HEX_KEYWORDS.some((k) => lower.includes(k));
}

/** Rules that hold at any position of the token sequence. */
function scanAnywhere(tokens: readonly Token[], hits: Hit[]): void {
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!;
    const next = tokens[i + 1];
    switch (t.type) {
      case 'union': {
        const a = next?.value === 'all' || next?.value === 'distinct' ? tokens[i + 2] : next;
        if (
          a !== undefined &&
          (a.value === 'select' || a.type === 'lparen' || a.value.startsWith('select'))
        ) {
          hits.push({ rule: 'sqli.union-select', score: 0.95, start: t.start, end: a.end });
        }
        break;
      }
      case 'func': {
        const arg = tokens[i + 2];
        if (TIME_FUNCTIONS.has(t.value)) {
          hits.push({ rule: 'sqli.time-function', score: 0.95, start: t.start, end: arg?.end ?? t.end });
        } else if (
          t.value === 'sleep' &&
          (arg?.type === 'num' || arg?.type === 'var' || arg?.value.startsWith('__') === true) &&
          tokens[i + 3]?.type === 'rparen'
        ) {
          hits.push({ rule: 'sqli.time-function', score: 0.9, start: t.start, end: tokens[i + 3]!.end });
        } else if (
          t.value === 'load_file' ||
          t.value === 'extractvalue' ||
          t.value === 'updatexml' ||
          t.value === 'group_concat' ||
          t.value === 'get_host_address' ||
          t.value === 'make_set' ||
          t.value === 'name_const'
        ) {
          hits.push({ rule: 'sqli.function', score: 0.9, start: t.start, end: arg?.end ?? t.end });
        } else if ((t.value === 'char' || t.value === 'chr') && arg?.type === 'num') {
          // char(73)+char(78)… or char(110,46,101): building strings from codes.
          const close = tokens[i + 3];
          const chained =
            close?.type === 'rparen' && (tokens[i + 4]?.value === '+' || tokens[i + 4]?.value === '||');
          const list =
            close?.type === 'comma' && tokens[i + 4]?.type === 'num' && tokens[i + 5]?.type === 'comma';
          if (chained || list)
            hits.push({ rule: 'sqli.char-encoding', score: 0.85, start: t.start, end: close!.end });
        } else if (t.value === 'convert' && arg?.value === 'int' && tokens[i + 3]?.type === 'comma') {
          hits.push({ rule: 'sqli.function', score: 0.85, start: t.start, end: tokens[i + 3]!.end });
        }
        break;
      }
      case 'word':
      case 'kw':
        if (t.value.length <= MAX_CATALOG_WORD && CATALOG_WORDS.has(t.value)) {
          hits.push({ rule: 'sqli.catalog', score: 0.85, start: t.start, end: t.end });
        } else if (t.value === 'waitfor' || (t.value === 'delay' && tokens[i - 1]?.value === 'waitfor')) {
          // handled as a statement
        } else if (t.value === 'order' && next?.value === 'by') {
          const n = tokens[i + 2];
          const after = tokens[i + 3];
          if (n?.type === 'num' && (isEnd(after) || after?.type === 'comma')) {
            hits.push({ rule: 'sqli.order-by', score: 0.75, start: t.start, end: n.end });
          }
        } else if (t.value === 'group' && next?.value === 'by' && tokens[i + 3]?.value === 'having') {
          hits.push({ rule: 'sqli.having', score: 0.85, start: t.start, end: tokens[i + 3]!.end });
        } else if (t.value === 'having' && expressionScore(tokens, i + 1) >= 0.95) {
          hits.push({ rule: 'sqli.having', score: 0.85, start: t.start, end: next?.end ?? t.end });
        }
        break;
      case 'var':
        if (SYSTEM_VARIABLES.has(t.value))
          hits.push({ rule: 'sqli.system-variable', score: 0.85, start: t.start, end: t.end });
        else if (t.value.startsWith('@@') && t.value.length > 3) {
          hits.push({ rule: 'sqli.system-variable', score: 0.6, start: t.start, end: t.end });
        }
        break;
      case 'num':
        if (t.value.startsWith('0x') && t.value.length >= 18 && hexHidesSql(t.value.slice(2))) {
          hits.push({ rule: 'sqli.hex-encoded', score: 0.8, start: t.start, end: t.end });
        }
        break;
      case 'comment':
        if (t.value.includes('sp_password'))
          hits.push({ rule: 'sqli.comment', score: 0.75, start: t.start, end: t.end });
        break;
      case 'logic': {
        const score = expressionScore(tokens, i + 1);
        const target = tokens[skipPrefix(tokens, i + 1)];
        // Outside a closed string, only literal comparisons and SQL functions count; prose has "x or y = z".
        const leading = i === 0;
        const truncated = tokens[i + 2]?.type === 'comment';
        if (score >= 0.85 || (score >= 0.8 && (leading || (isLiteral(target) && truncated)))) {
          hits.push({
            rule: 'sqli.tautology',
            score: Math.min(score, 0.9),
            start: t.start,
            end: endAhead(tokens, i, 4),
          });
        }
        break;
      }
      case 'stmt': {
        const prev = tokens[i - 1];
        const boundary =
          prev === undefined || prev.type === 'semi' || prev.type === 'rparen' || prev.type === 'lparen';
        const score = statementScore(tokens, i);
        if (score > 0) {
          const stacked = prev?.type === 'semi';
          const s = stacked ? Math.max(score, 0.9) : boundary ? score : score - 0.1;
          hits.push({
            rule: stacked ? 'sqli.stacked-query' : 'sqli.statement',
            score: s,
            start: t.start,
            end: next?.end ?? t.end,
          });
        }
        break;
      }
      default:
        break;
    }
  }
}

/** Rules for the sequence right after the closing quote in a string context. */
function scanAfterQuote(tokens: readonly Token[], hits: Hit[]): void {
  let j = 1;
  while (tokens[j]?.type === 'rparen' && j < 8) j += 1;
  const t = tokens[j];
  if (t === undefined) return;
  const next = tokens[j + 1];
  const quoteAt = tokens[0]!.end - 1;
  const hit = (rule: string, score: number, end: number): void => {
    if (score >= 0.5) hits.push({ rule, score, start: quoteAt, end });
  };
  switch (t.type) {
    case 'comment':
      if (t.strong === true) hit('sqli.quote-comment', 0.85, t.end);
      break;
    case 'logic':
      // `' or` ending the value: the rest of the query completes the condition.
      hit(
        'sqli.quote-logic',
        next === undefined ? 0.6 : expressionScore(tokens, j + 1, true),
        endAhead(tokens, j, 4),
      );
      break;
    case 'semi':
      if (next?.type === 'stmt') hit('sqli.stacked-query', 0.95, next.end);
      else if (
        (next?.value === 'desc' || next?.value === 'describe' || next?.value === 'show') &&
        tokens[j + 2] !== undefined
      ) {
        hit('sqli.stacked-query', 0.85, tokens[j + 2]!.end);
      } else if (isKnownFunction(next)) hit('sqli.stacked-query', 0.85, next!.end);
      else if (next?.type === 'comment') hit('sqli.quote-comment', 0.8, next.end);
      break;
    case 'op':
    case 'cmp':
      if (isKnownFunction(next)) hit('sqli.quote-expression', 0.85, next!.end);
      else if (
        next?.type === 'lparen' &&
        (tokens[j + 2]?.value === 'select' || isKnownFunction(tokens[j + 2]))
      ) {
        hit('sqli.quote-expression', 0.85, tokens[j + 2]!.end);
      } else if (
        t.type === 'cmp' &&
        isLiteral(next) &&
        tokens[j + 2]?.type === 'logic' &&
        // a logic word that ends the value has no expression to score (`'=1 or`)
        tokens[j + 3] !== undefined
      ) {
        hit('sqli.quote-logic', expressionScore(tokens, j + 3, true), tokens[j + 3]!.end);
      } else if (
        j === 1 &&
        tokens[0]!.value === '' &&
        next?.type === 'str' &&
        next.value.length === 1 &&
        tokens.length === 3
      ) {
        // `'-'`, `'*'`, `'&'`: the classic probe of an unescaped quote.
        hit('sqli.quote-probe', 0.7, next.end);
      }
      break;
    case 'kw':
      if (
        (t.value === 'order' || t.value === 'group') &&
        next?.value === 'by' &&
        tokens[j + 2] !== undefined
      ) {
        hit('sqli.quote-clause', 0.85, tokens[j + 2]!.end);
      } else if ((t.value === 'having' || t.value === 'where') && expressionScore(tokens, j + 1) >= 0.8) {
        hit('sqli.quote-clause', 0.85, next!.end);
      } else if (t.value === 'into' && (next?.value === 'outfile' || next?.value === 'dumpfile')) {
        hit('sqli.quote-clause', 0.9, next.end);
      }
      break;
    case 'stmt':
      if (t.value === 'select' && next !== undefined) hit('sqli.quote-clause', 0.85, next.end);
      else if (next !== undefined && (next.type === 'word' || next.type === 'kw'))
        hit('sqli.quote-statement', 0.8, next.end);
      break;
    default:
      break;
  }
}

// The end of the token `ahead` positions after `i`, or of the last token.
function endAhead(tokens: readonly Token[], i: number, ahead: number): number {
  return tokens[Math.min(i + ahead, tokens.length - 1)]!.end;
}

function best(hits: readonly Hit[]): Hit | null {
  let top: Hit | null = null;
  for (const h of hits) if (top === null || h.score > top.score) top = h;
  return top;
}

/** Detect SQL injection in the canonical view of a value. */
// Fragments that only make sense as SQL: each anchored or with a fixed prefix (linear).
const PROBES: readonly (readonly [RegExp, string, number])[] = [
  // closes a comment another parameter opened (`user=admin'/*` then `password=*/=1--`)
  [/^[^/]{0,64}\*\/\s*(?:=|or\b|and\b|union\b|select\b|--|#|;)/, 'sqli.comment-close', 0.8],
  // a value that starts a comment: the rest of the query is ignored
  [/^\s+--(?:\s|$)/, 'sqli.comment-probe', 0.6],
  // a quote breaking out, then string concatenation
  [/^['"]\s*(?:\+|\|\|)\s*[a-z0-9_@(]/, 'sqli.quote-concat', 0.65],
  // a quote inside a number (`1'1`, `1\'1`): a probe for an unescaped quote in a numeric field
  [/^\d{1,16}\\?'\d{1,16}$/, 'sqli.quote-probe', 0.6],
  // LIKE with only wildcards matches every row
  [/\blike\s+'%+'/, 'sqli.like-wildcard', 0.7],
];

export function detectSqli(input: Inspection): Detection | null {
  // `\x27` and `\x22` are quotes to every layer that unescapes strings.
  const text =
    input.text.indexOf('\\x2') === -1 ? input.text : input.text.replace(/\\x27/g, "'").replace(/\\x22/g, '"');
  const hits: Hit[] = [];
  for (const quote of ['', "'", '"'] as const) {
    const tokens = tokenize(text, quote);
    if (tokens === null) continue;
    if (quote !== '') scanAfterQuote(tokens, hits);
    scanAnywhere(tokens, hits);
    const top = best(hits);
    if (top !== null && top.score >= 0.95) break;
  }
  // Keywords split by inline comments (`UNI/**/ON SEL/**/ECT`) evade filters that strip comments.
  if (text.indexOf('/*') !== -1 && (best(hits)?.score ?? 0) < 0.9) {
    const joined = text.replace(/\/\*[^*]*\*\//g, '');
    const tokens = tokenize(joined, '');
    if (tokens !== null) {
      const more: Hit[] = [];
      scanAnywhere(tokens, more);
      if (more.some((h) => h.rule === 'sqli.union-select')) {
        hits.push({ rule: 'sqli.split-keyword', score: 0.85, start: 0, end: Math.min(text.length, 64) });
      }
    }
  }
  // Quotes doubled (`"hi"") or (""a""=""a"`) pass filters that escape a quote by doubling it;
  // read once more with each run of one quote character as a single quote.
  if ((best(hits)?.score ?? 0) < 0.8 && (text.indexOf("''") !== -1 || text.indexOf('""') !== -1)) {
    const single = text.replace(/''+/g, "'").replace(/""+/g, '"');
    for (const quote of ['', "'", '"'] as const) {
      const tokens = tokenize(single, quote);
      if (tokens === null) continue;
      const more: Hit[] = [];
      if (quote !== '') scanAfterQuote(tokens, more);
      scanAnywhere(tokens, more);
      const top = best(more);
      if (top !== null && top.score >= 0.8) {
        hits.push({
          rule: 'sqli.doubled-quotes',
          score: top.score,
          start: 0,
          end: Math.min(text.length, 64),
        });
        break;
      }
    }
  }
  if (hits.length === 0) {
    const probe = PROBES.find(([re]) => re.test(text));
    if (probe !== undefined)
      hits.push({ rule: probe[1], score: probe[2], start: 0, end: Math.min(text.length, 64) });
  }
  // A value made of nothing but quotes and statement ends is a probe for an unescaped quote.
  if (hits.length === 0 && text.length <= 8 && /^[\s'"`;\\]*['"][\s'"`;\\-]*$/.test(text)) {
    hits.push({ rule: 'sqli.quote-probe', score: 0.6, start: 0, end: text.length });
  }
  if (hits.length === 0 && /^\s*;\s*--\s*$/.test(text))
    hits.push({ rule: 'sqli.quote-probe', score: 0.6, start: 0, end: text.length });
  const top = best(hits);
  if (top === null || top.score < 0.5) return null;
  return detection('sqli', top.rule, top.score, text, top.start, top.end);
}
