import { isAbsolute, relative } from 'node:path';

/** A position in a source file; line and column are 1-based. */
export interface SourceLocation {
  readonly file: string;
  readonly line: number;
  readonly column: number;
}

/** The stable reasons an OpenAPI document can be refused at load. */
export type OpenApiErrorCode = 'openapi.read' | 'openapi.parse' | 'openapi.ref' | 'openapi.invalid';

/** Shorten an absolute path for messages: relative to the working directory when inside it. */
export function displayPath(file: string): string {
  const rel = relative(process.cwd(), file);
  return rel !== '' && !rel.startsWith('..') && !isAbsolute(rel) ? rel : file;
}

/** Render a location as `file:line:column`, the form editors and CI annotations understand. */
export function formatLocation(location: SourceLocation): string {
  return `${displayPath(location.file)}:${location.line}:${location.column}`;
}

/** A document that cannot be loaded. The message starts with `file:line:column:` when known. */
export class OpenApiError extends Error {
  override readonly name = 'OpenApiError';
  readonly code: OpenApiErrorCode;
  readonly location: SourceLocation | undefined;
  readonly pointer: string | undefined;
  /** The message without its location prefix. */
  readonly detail: string;

  constructor(
    code: OpenApiErrorCode,
    detail: string,
    where: {
      readonly file: string;
      readonly location?: SourceLocation | undefined;
      readonly pointer?: string;
    },
  ) {
    const prefix = where.location ? formatLocation(where.location) : displayPath(where.file);
    super(`${prefix}: ${detail}`);
    this.code = code;
    this.detail = detail;
    this.location = where.location;
    this.pointer = where.pointer;
  }
}
