/**
 * Path traversal and file inclusion: `../` in any encoding (decoding happened in normalize),
 * absolute paths to well-known sensitive files, and stream wrappers (`php://`, `file://`…).
 */
import type { Detection, Inspection } from './types.ts';
import { detection } from './types.ts';

// Matched against the text with `\` turned into `/`.
const SENSITIVE_PATHS: readonly string[] = [
  'etc/passwd',
  'etc/shadow',
  'etc/group',
  'etc/hosts',
  'etc/issue',
  'etc/hostname',
  'etc/sudoers',
  'etc/crontab',
  'etc/fstab',
  'etc/environment',
  'etc/nginx/',
  'etc/apache2/',
  'etc/httpd/',
  'etc/mysql/',
  'etc/ssh/',
  'proc/self/',
  'proc/version',
  'proc/cpuinfo',
  'proc/net/',
  'var/log/',
  'var/run/secrets',
  'root/.',
  '/.ssh/',
  'id_rsa',
  'authorized_keys',
  '.bash_history',
  '.htpasswd',
  '.htaccess',
  'web.config',
  'wp-config.php',
  '/.env',
  '/.git/',
  'boot.ini',
  'win.ini',
  'system.ini',
  'windows/system32',
  'windows/repair',
  'winnt/',
  'system32/config',
  'system32/drivers/etc',
  'inetpub/',
];

const WRAPPERS: readonly string[] = [
  'php://',
  'phar://',
  'zip://',
  'expect://',
  'glob://',
  'data://',
  'compress.zlib://',
  'compress.bzip2://',
  'file://',
  'jar:',
  'netdoc://',
  'ogg://',
  'rar://',
  'ssh2.',
];

const TRAVERSAL_CHARS = /[:./_]/;

function isPathChar(c: string | undefined): boolean {
  return c !== undefined && /[a-z0-9._~%$-]/.test(c);
}

/** Detect path traversal or file inclusion in the canonical view of a value. */
export function detectTraversal(input: Inspection): Detection | null {
  const text = input.text;
  const path = text.indexOf('\\') === -1 ? text : text.replaceAll('\\', '/');
  // every wrapper, sensitive path, `..` and drive path below has one of these: without, nothing matches
  if (!TRAVERSAL_CHARS.test(path)) return null;
  for (const wrapper of WRAPPERS) {
    const at = path.indexOf(wrapper);
    if (at === -1) continue;
    // A wrapper is a scheme: it starts the value or follows a separator, not a word ("myphp://").
    const before = at === 0 ? '' : path[at - 1]!;
    if (before !== '' && /[a-z0-9]/.test(before) && wrapper !== 'jar:') continue;
    if (wrapper === 'jar:' && path.indexOf('!/', at) === -1) continue;
    return detection('traversal', 'traversal.wrapper', 0.9, text, at, at + 48);
  }
  if (path.indexOf('php:expect') !== -1) {
    const at = path.indexOf('php:expect');
    return detection('traversal', 'traversal.wrapper', 0.9, text, at, at + 24);
  }
  let dotdots = 0;
  let first = -1;
  let from = 0;
  for (let guard = 0; guard < 4096; guard++) {
    const at = path.indexOf('..', from);
    if (at === -1) break;
    // `../`, `..;/` (Tomcat), `../` hidden in `....//`
    let k = at + 2;
    if (path[k] === ';') k += 1;
    if (path[k] === '/') {
      dotdots += 1;
      if (first === -1) first = at;
      // `../x`, `/../`, `../../`, or `../` ending the value (`page=../`).
      const ends = k + 1 >= path.length && (at === 0 || path[at - 1] === '=' || path[at - 1] === '/');
      if (dotdots >= 2 || isPathChar(path[k + 1]) || (at > 0 && path[at - 1] === '/') || ends) {
        return detection('traversal', 'traversal.dot-dot', dotdots >= 2 ? 0.9 : 0.75, text, first, k + 24);
      }
    } else if (k >= path.length && at > 0 && path[at - 1] === '/') {
      return detection('traversal', 'traversal.dot-dot', 0.7, text, at - 1, k);
    }
    from = at + 1;
  }
  for (const sensitive of SENSITIVE_PATHS) {
    const at = path.indexOf(sensitive);
    if (at === -1) continue;
    const before = at === 0 ? '/' : path[at - 1]!;
    // "etc/passwd" must be a path component, not the end of another word ("meetc/passwd").
    if (/[a-z0-9]/.test(before) && !sensitive.startsWith('/') && !sensitive.startsWith('.')) continue;
    return detection('traversal', 'traversal.sensitive-file', 0.85, text, at, at + sensitive.length + 16);
  }
  const drive = /(?:^|[^a-z0-9])[a-z]:\/+(?:windows|winnt|boot\.ini|inetpub)\/?[a-z0-9._]/.exec(path);
  if (drive !== null)
    return detection('traversal', 'traversal.sensitive-file', 0.8, text, drive.index, drive.index + 40);
  return null;
}
