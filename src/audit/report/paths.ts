import { isAbsolute, relative, sep } from 'node:path';
import { pathToFileURL } from 'node:url';

/** A path relative to `cwd` with forward slashes when inside it, else the absolute path. */
export function relativePath(file: string, cwd: string): string {
  const rel = relative(cwd, file);
  if (rel === '' || rel.startsWith('..') || isAbsolute(rel)) return file;
  return sep === '/' ? rel : rel.split(sep).join('/');
}

/** A SARIF artifact location: relative to %SRCROOT% (the working directory) when inside it, else a file: URI. */
export function artifactLocation(file: string, cwd: string): { uri: string; uriBaseId?: string } {
  const rel = relativePath(file, cwd);
  if (rel === file) return { uri: pathToFileURL(file).href };
  return { uri: rel.split('/').map(encodeURIComponent).join('/'), uriBaseId: '%SRCROOT%' };
}
