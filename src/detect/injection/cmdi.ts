/**
 * OS command injection: a shell separator (`;` `|` `&` `&&` `||` newline, backticks, `$(`)
 * followed by a command-like word, `${IFS}` tricks, shellshock, and calls to code-execution
 * functions (PHP `system(`…). Words that are also English ("cat", "type", "find") need a
 * shell-looking argument, so that "Rock & Roll" or "cats; dogs" stay clean.
 */
import type { Detection, Inspection } from './types.ts';
import { detection, isSpace } from './types.ts';

// Binaries whose name is not an English word: a separator before them is enough.
const STRONG_COMMANDS: ReadonlySet<string> = new Set([
  'id',
  'whoami',
  'uname',
  'ls',
  'pwd',
  'ifconfig',
  'ipconfig',
  'netstat',
  'nslookup',
  'wget',
  'curl',
  'bash',
  'sh',
  'zsh',
  'ksh',
  'csh',
  'tcsh',
  'nc',
  'ncat',
  'netcat',
  'socat',
  'telnet',
  'perl',
  'python',
  'python2',
  'python3',
  'ruby',
  'php',
  'lua',
  'powershell',
  'pwsh',
  'cmd',
  'certutil',
  'bitsadmin',
  'systeminfo',
  'tasklist',
  'taskkill',
  'wmic',
  'chmod',
  'chown',
  'useradd',
  'adduser',
  'usermod',
  'passwd',
  'sudo',
  'crontab',
  'nmap',
  'ssh',
  'scp',
  'tftp',
  'ftp',
  'xterm',
  'mkfifo',
  'base64',
  'xxd',
  'hostname',
  'ps',
  'env',
  'printenv',
  'uptime',
  'traceroute',
  'tracert',
  'rundll32',
  'regsvr32',
  'mshta',
  'cscript',
  'wscript',
  'schtasks',
  'tac',
  'nohup',
  'awk',
  'gawk',
  'sed',
  'grep',
  'egrep',
  'xargs',
  'getent',
  'lsof',
  'ifup',
  'arp',
  'gcc',
  'tar',
  'unzip',
  'gzip',
  'chattr',
  'killall',
  'pkill',
  'ulimit',
  'whereis',
  'net1',
  'sysctl',
  'phpinfo',
  'netsh',
  'sysinfo',
]);

// Shell builtins and binaries that are also ordinary words: need a shell-looking argument.
const WEAK_COMMANDS: ReadonlySet<string> = new Set([
  'echo',
  'sleep',
  'ping',
  'type',
  'dir',
  'net',
  'find',
  'kill',
  'touch',
  'head',
  'tail',
  'more',
  'less',
  'set',
  'copy',
  'move',
  'del',
  'start',
  'call',
  'timeout',
  'mail',
  'host',
  'print',
  'printf',
  'export',
  'eval',
  'exec',
  'source',
  'who',
  'w',
  'last',
  'mkdir',
  'rmdir',
  'system',
  'exit',
  'shutdown',
  'reboot',
  'route',
  'fetch',
  'links',
  'lynx',
  'java',
  'make',
  'at',
  'cat',
  'rm',
  'cp',
  'mv',
  'which',
  'dig',
  'node',
  'reg',
  'ver',
  'vol',
  'ip',
  'finger',
  'sort',
]);

// Commands recognised by their sub-command: `net user`, `netsh firewall`, `reg add`.
const SUBCOMMANDS: ReadonlyMap<string, ReadonlySet<string>> = new Map([
  [
    'net',
    new Set(['user', 'view', 'localgroup', 'share', 'use', 'start', 'stop', 'group', 'accounts', 'session']),
  ],
  ['netsh', new Set(['firewall', 'advfirewall', 'interface', 'wlan', 'winhttp'])],
  ['reg', new Set(['add', 'query', 'delete', 'save', 'export', 'import'])],
]);

function hasSubcommand(text: string, cmd: CommandHit): boolean {
  const subs = SUBCOMMANDS.get(cmd.name);
  if (subs === undefined) return false;
  const sub = commandAt(text, cmd.end);
  return sub !== null && subs.has(sub.name);
}

function isCommandChar(code: number): boolean {
  return (
    (code >= 97 && code <= 122) ||
    (code >= 48 && code <= 57) ||
    code === 95 || // _
    code === 46 || // .
    code === 47 || // /
    code === 92 || // \
    code === 58 || // :
    code === 45 // -
  );
}

// What may follow a command name: the end, whitespace, or more shell syntax.
function endsCommand(text: string, k: number): boolean {
  if (k >= text.length) return true;
  const c = text[k]!;
  return isSpace(text.charCodeAt(k)) || ';|&<>`)$\'"\\{}'.includes(c);
}

// A shell-looking argument: a flag, a path, a variable, a redirection, a quoted string, a number.
function shellArgumentAt(text: string, k: number): boolean {
  while (k < text.length && (text[k] === ' ' || text[k] === '\t')) k += 1;
  if (k >= text.length) return false;
  const c = text[k]!;
  const next = text[k + 1] ?? '';
  if (c === '-') return /[a-z0-9-]/.test(next);
  if ('/\\%$~<>*"\''.includes(c)) return true;
  if (c >= '0' && c <= '9') return true;
  if (/^[a-z]{2,6}:\/\//.test(text.slice(k, k + 9))) return true;
  if (c === '.' && (next === '/' || next === '.')) return true;
  return /^[a-z]:[\\/]/.test(text.slice(k, k + 3));
}

interface CommandHit {
  readonly name: string;
  readonly start: number;
  readonly end: number;
}

/** Read the command word at `k` (after spaces), without its path and `.exe`. */
function commandAt(text: string, k: number): CommandHit | null {
  while (k < text.length && (text[k] === ' ' || text[k] === '\t' || text[k] === '{' || text[k] === '('))
    k += 1;
  const start = k;
  let j = k;
  while (j < text.length && j - k < 128 && isCommandChar(text.charCodeAt(j))) {
    // A literal `\n` or `\r` (as written in logs and payload lists) ends the word.
    if (text[j] === '\\' && (text[j + 1] === 'n' || text[j + 1] === 'r') && !/[a-z]/.test(text[j + 2] ?? ''))
      break;
    j += 1;
  }
  if (j === start) return null;
  const token = text.slice(start, j);
  const slash = Math.max(token.lastIndexOf('/'), token.lastIndexOf('\\'));
  let name = slash === -1 ? token : token.slice(slash + 1);
  if (name.endsWith('.exe')) name = name.slice(0, -4);
  return { name, start, end: j };
}

type Separator = 'strong' | 'amp' | 'quote';

/** Judge the word after a separator. */
function judge(text: string, sepStart: number, after: number, kind: Separator): Detection | null {
  const cmd = commandAt(text, after);
  if (cmd === null) return null;
  if (!endsCommand(text, cmd.end)) return null;
  const frag = (score: number): Detection =>
    detection('cmdi', 'cmdi.separator-command', score, text, sepStart, cmd.end + 24);
  const rest = text.slice(cmd.end, cmd.end + 4).trimStart();
  const tailIsShell = cmd.end >= text.length || rest === '' || /^[;|&`)]/.test(rest);
  if (hasSubcommand(text, cmd)) return frag(0.85);
  if (kind === 'quote') {
    // `' whoami`: a quote breakout followed by a bare command and nothing else.
    return STRONG_COMMANDS.has(cmd.name) && tailIsShell ? frag(0.75) : null;
  }
  if (STRONG_COMMANDS.has(cmd.name) && cmd.name.length > 1) {
    if (kind === 'strong') return frag(0.9);
    // After a lone `&`, even unambiguous names need a shell-looking tail or the end.
    if (
      cmd.end >= text.length ||
      shellArgumentAt(text, cmd.end) ||
      /^\s*[;|&]/.test(text.slice(cmd.end, cmd.end + 4))
    ) {
      return frag(0.85);
    }
    return null;
  }
  if (WEAK_COMMANDS.has(cmd.name) || STRONG_COMMANDS.has(cmd.name)) {
    if (shellArgumentAt(text, cmd.end)) return frag(0.8);
    if (kind === 'strong' && tailIsShell) return frag(0.75);
  }
  return null;
}

/** Check every separator position; each is judged in bounded time. */
function scanSeparators(text: string): Detection | null {
  const n = text.length;
  for (let i = 0; i < n; i++) {
    const c = text[i]!;
    let after = -1;
    let kind: Separator = 'strong';
    if (c === ';' || c === '\n' || c === '\r' || c === '`') after = i + 1;
    else if (c === '|') after = text[i + 1] === '|' ? i + 2 : i + 1;
    else if (c === '&') {
      if (text[i + 1] === '&') after = i + 2;
      else {
        after = i + 1;
        kind = 'amp';
      }
    } else if (c === '$' && text[i + 1] === '(') after = i + 2;
    else if (c === '\\' && (text[i + 1] === 'n' || text[i + 1] === 'r')) after = i + 2;
    else if ((c === "'" || c === '"') && text[i + 1] === ' ') {
      after = i + 1;
      kind = 'quote';
    }
    if (after === -1) continue;
    const hit = judge(text, i, after, kind);
    if (hit !== null) return hit;
  }
  return null;
}

// Commands that are an injection on their own at the start of a value: no prose starts with them.
const LEADING_COMMANDS: ReadonlySet<string> = new Set([
  'whoami',
  'uname',
  'ifconfig',
  'ipconfig',
  'netstat',
  'nslookup',
  'pwd',
  'id',
  'wget',
  'curl',
  'nc',
  'ncat',
  'bash',
  'sh',
  'perl',
  'python',
  'python3',
  'powershell',
  'cmd',
  'systeminfo',
  'tasklist',
  'phpinfo',
  'certutil',
  'wmic',
]);

// A value that is nothing but one of these names is a probe, not data.
const BARE_COMMANDS: ReadonlySet<string> = new Set([
  'whoami',
  'ls',
  'pwd',
  'ifconfig',
  'ipconfig',
  'netstat',
  'uname',
  'systeminfo',
  'sysinfo',
  'tasklist',
]);

/** A whole value that reads as one command line: a command then only shell-looking words. */
function isCommandLine(text: string, lead: CommandHit): boolean {
  const words = text.slice(lead.end).trim().split(/\s+/);
  if (words.length > 12) return false;
  for (const w of words) {
    if (w === '') continue;
    const shellish = /^(?:-{1,2}[a-z0-9]|[/\\%$~<>|*"'.]|[0-9]|[a-z]:[\\/]|[a-z]{2,6}:\/\/)/.test(w);
    if (!shellish && !STRONG_COMMANDS.has(w)) return false;
  }
  return true;
}

const IFS = /\$\{?ifs\b/;
const SHELLSHOCK = /\(\)\s*\{\s*:?\s*;?\s*\}\s*;/;
const CODE_EXEC =
  /(?:^|[^\w.])(?:system|exec|passthru|shell_exec|popen|proc_open|pcntl_exec|phpinfo|phpversion|assert)\s*\(\s*(?:['"$`)]|\/)/;
const PHP_INPUT = /\$_(?:get|post|request|cookie|server|files)\s*\[/;
const SSI = /<!--\s*#\s*(?:exec|include|echo|config|set)\b/;

/** Detect OS command injection in the canonical view of a value. */
export function detectCmdi(input: Inspection): Detection | null {
  const text = input.text;
  // every pattern and separator up to the leading command needs one of these characters
  if (SHELL_CHARS.test(text)) {
    const hit = shellSyntax(text);
    if (hit !== null) return hit;
  }
  const lead = commandAt(text, 0);
  if (lead === null || !endsCommand(text, lead.end)) return null;
  const frag = (score: number): Detection =>
    detection('cmdi', 'cmdi.leading-command', score, text, lead.start, lead.end + 24);
  const rest = text.slice(lead.end).trim();
  if (rest === '' && BARE_COMMANDS.has(lead.name)) return frag(0.7);
  if (hasSubcommand(text, lead)) return frag(0.8);
  // alone, `id`, `nc`, `python` or `curl` are data (a sort key, a state code, a tag); with an argument, a command
  if (LEADING_COMMANDS.has(lead.name) && rest !== '' && shellArgumentAt(text, lead.end)) return frag(0.75);
  if (
    (STRONG_COMMANDS.has(lead.name) || WEAK_COMMANDS.has(lead.name)) &&
    rest !== '' &&
    isCommandLine(text, lead)
  ) {
    return frag(0.7);
  }
  return null;
}

const SHELL_CHARS = /[;|&\n\r`$(<'"\\]/;

/** Shellshock, ${IFS}, PHP and SSI code, code-execution calls and shell separators. */
function shellSyntax(text: string): Detection | null {
  const shock = SHELLSHOCK.exec(text);
  if (shock !== null)
    return detection('cmdi', 'cmdi.shellshock', 0.95, text, shock.index, shock.index + shock[0].length);
  const ifs = IFS.exec(text);
  if (ifs !== null) return detection('cmdi', 'cmdi.ifs', 0.9, text, ifs.index, ifs.index + 16);
  const php = text.indexOf('<?php');
  if (php !== -1) return detection('cmdi', 'cmdi.php-code', 0.9, text, php, php + 32);
  const ssi = SSI.exec(text);
  if (ssi !== null)
    return detection('cmdi', 'cmdi.server-side-include', 0.9, text, ssi.index, ssi.index + 40);
  const phpInput = PHP_INPUT.exec(text);
  if (phpInput !== null)
    return detection('cmdi', 'cmdi.php-code', 0.8, text, phpInput.index, phpInput.index + 32);
  const exec = CODE_EXEC.exec(text);
  if (exec !== null)
    return detection('cmdi', 'cmdi.code-exec', 0.85, text, exec.index, exec.index + exec[0].length + 16);
  // A value that is only shell separators (`;`, `&&`, `||`, a backtick, a newline) probes for injection.
  if (text.length <= 4 && /^[\s;|&`]+$/.test(text) && /[;`\n]|&&|\|\|/.test(text)) {
    return detection('cmdi', 'cmdi.separator-probe', 0.6, text, 0, text.length);
  }
  return scanSeparators(text);
}
