/** Response signatures of leaked internals: stack traces and database errors (linear-time patterns). */

const STACKS: readonly [string, RegExp][] = [
  [
    'Node.js stack trace',
    /\bat [\w.<>$[\] ]{1,120} \((?:file:\/\/|node:|\/|[A-Za-z]:\\)[^)\n"]{1,300}:\d{1,6}:\d{1,6}\)/,
  ],
  ['Node.js stack trace', /\n {2,8}at (?:file:\/\/|node:|\/)[^\s"]{1,300}:\d{1,6}:\d{1,6}/],
  ['Java stack trace', /\bat [a-zA-Z_$][\w$]{0,60}(?:\.[\w$<>]{1,60}){1,20}\([\w$]{1,80}\.java:\d{1,6}\)/],
  ['Python traceback', /Traceback \(most recent call last\)/],
  ['PHP error', /(?:Fatal error|Parse error|Warning): [^\n]{1,300} on line \d{1,6}/],
  ['.NET exception', /\bSystem\.[A-Za-z]{1,40}(?:\.[A-Za-z]{1,40}){0,6}Exception\b/],
  ['Ruby backtrace', /\.rb:\d{1,6}:in `/],
  ['Go panic', /goroutine \d{1,9} \[running\]/],
];

const SQL: readonly [string, RegExp][] = [
  [
    'SQLite error',
    /SQLITE_ERROR|SQLite3?::|sqlite3\.OperationalError|near "[^"\n]{0,40}": syntax error|unrecognized token: /i,
  ],
  [
    'MySQL error',
    /You have an error in your SQL syntax|mysql_fetch|MySqlException|com\.mysql\.jdbc|Unknown column '[^'\n]{0,60}' in/i,
  ],
  [
    'PostgreSQL error',
    /PG::SyntaxError|PSQLException|org\.postgresql|syntax error at or near|unterminated quoted string at or near/i,
  ],
  [
    'SQL Server error',
    /Unclosed quotation mark after the character string|Microsoft OLE DB|SqlException|Incorrect syntax near/i,
  ],
  ['Oracle error', /\bORA-\d{5}\b|quoted string not properly terminated/i],
  ['SQL error', /SQLSTATE\[|JDBC(?:Exception|Driver)|SQL syntax.{0,40}error/i],
];

/** The first stack-trace signature in a body, or undefined. */
export function stackTrace(body: string): string | undefined {
  const text = body.slice(0, 256 * 1024);
  for (const [name, re] of STACKS) if (re.test(text)) return name;
  return undefined;
}

/** The first database-error signature in a body, or undefined. */
export function sqlError(body: string): string | undefined {
  const text = body.slice(0, 256 * 1024);
  for (const [name, re] of SQL) if (re.test(text)) return name;
  return undefined;
}
