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

const NET_SUBCOMMANDS: ReadonlySet<string> = new Set(['user', 'view', 'localgroup', 'share', 'use', 'start', 'stop', 'group', 'accounts', 'session']);

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
  while (k < text.length && (text[k] === ' ' || text[k] === '\t' || text[k] === '{' || text[k] === '(')) k += 1;
  const start = k;
  let j = k;
  while (j < text.length && j - k < 128 && isCommandChar(text.charCodeAt(j))) j += 1;
  if (j === start) return null;
  const token = text.slice(start, j);
  const slash = Math.max(token.lastIndexOf('/'), token.lastIndexOf('\\'));
  let name = slash === -1 ? token : token.slice(slash + 1);
  if (name.endsWith('.exe')) name = name.slice(0, -4);
  return { name, start, end: j };
}

type Separator = 'strong' | 'amp';

/** Judge the word after a separator. */
function judge(text: string, sepStart: number, after: number, kind: Separator): Detection | null {
  const cmd = commandAt(text, after);
  if (cmd === null) return null;
  if (!endsCommand(text, cmd.end)) return null;
  const frag = (score: number): Detection => detection('cmdi', 'cmdi.separator-command', score, text, sepStart, cmd.end + 24);
  if (STRONG_COMMANDS.has(cmd.name) && cmd.name.length > 1) {
    if (kind === 'strong') return frag(0.9);
    // After a lone `&`, even unambiguous names need a shell-looking tail or the end.
    if (cmd.end >= text.length || shellArgumentAt(text, cmd.end) || /^\s*[;|&]/.test(text.slice(cmd.end, cmd.end + 4))) {
      return frag(0.85);
    }
    return null;
  }
  if (WEAK_COMMANDS.has(cmd.name) || STRONG_COMMANDS.has(cmd.name)) {
    if (cmd.name === 'net') {
      const sub = commandAt(text, cmd.end);
      if (sub !== null && NET_SUBCOMMANDS.has(sub.name)) return frag(0.85);
    }
    if (shellArgumentAt(text, cmd.end)) return frag(0.8);
    const rest = text.slice(cmd.end, cmd.end + 3).trimStart();
    if (kind === 'strong' && (cmd.end >= text.length || rest.startsWith(';') || rest.startsWith('|') || rest.startsWith('&'))) {
      return frag(0.75);
    }
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

const IFS = /\$\{?ifs\b/;
const SHELLSHOCK = /\(\)\s*\{\s*:?\s*;?\s*\}\s*;/;
const CODE_EXEC = /(?:^|[^\w.])(?:system|exec|passthru|shell_exec|popen|proc_open|pcntl_exec|phpinfo|assert)\s*\(\s*(?:['"$`)]|\/)/;

/** Detect OS command injection in the canonical view of a value. */
export function detectCmdi(input: Inspection): Detection | null {
  const text = input.text;
  const shock = SHELLSHOCK.exec(text);
  if (shock !== null) return detection('cmdi', 'cmdi.shellshock', 0.95, text, shock.index, shock.index + shock[0].length);
  const ifs = IFS.exec(text);
  if (ifs !== null) return detection('cmdi', 'cmdi.ifs', 0.9, text, ifs.index, ifs.index + 16);
  const php = text.indexOf('<?php');
  if (php !== -1) return detection('cmdi', 'cmdi.php-code', 0.9, text, php, php + 32);
  const exec = CODE_EXEC.exec(text);
  if (exec !== null) return detection('cmdi', 'cmdi.code-exec', 0.85, text, exec.index, exec.index + exec[0].length + 16);
  const sep = scanSeparators(text);
  if (sep !== null) return sep;
  const lead = commandAt(text, 0);
  if (lead !== null && LEADING_COMMANDS.has(lead.name) && endsCommand(text, lead.end)) {
    const rest = text.slice(lead.end).trim();
    if (rest === '' || shellArgumentAt(text, lead.end)) {
      return detection('cmdi', 'cmdi.leading-command', 0.75, text, lead.start, lead.end + 24);
    }
  }
  return null;
}
