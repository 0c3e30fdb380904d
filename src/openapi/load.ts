import { resolve as resolvePath } from 'node:path';
import { OpenApiError, type SourceLocation } from './errors.ts';
import { isObject, loadFileSet, type Origin, readSource, resolveDocument } from './resolve.ts';
import { parseSource, type SourceFile } from './source.ts';
import { checkStructure } from './validate.ts';

export type { OpenApiErrorCode, SourceLocation } from './errors.ts';
export { formatLocation, OpenApiError } from './errors.ts';
export type { Origin } from './resolve.ts';
export { LOAD_LIMITS } from './resolve.ts';

/** A loaded, resolved and structurally checked OpenAPI 3.0 or 3.1 document. */
export interface LoadedDocument {
  /** Absolute path of the root document. */
  readonly file: string;
  readonly version: '3.0' | '3.1';
  /** The root document with every $ref resolved (shared objects; recursive schemas are object cycles). */
  readonly root: Readonly<Record<string, unknown>>;
  /** The root document as parsed, $refs not resolved. */
  readonly raw: Readonly<Record<string, unknown>>;
  /** Absolute paths of every file the document is made of, the root first. */
  readonly files: readonly string[];
  /**
   * Source location of a JSON pointer into the raw root document (e.g. '/paths/~1users~1{id}/get').
   * A pointer that passes through a $ref continues in the referenced node, in whichever file it is.
   */
  locate(pointer: string): SourceLocation | undefined;
  /** Source location of a pointer inside one of `files` (following $refs like `locate`). */
  locateIn(file: string, pointer: string): SourceLocation | undefined;
  /** Where a resolved object or array of `root` was written: its file and pointer in that file. */
  originOf(value: object): Origin | undefined;
}

/** Load, parse (YAML or JSON by content), resolve local and relative-file $refs, and check the basic structure. Throws OpenApiError. */
export async function loadOpenApi(file: string): Promise<LoadedDocument> {
  const source = await readSource(resolvePath(file));
  return build(source);
}

/** Parse a document from text; relative $refs are resolved against dirname(file). Throws OpenApiError. */
export async function parseOpenApi(text: string, file: string): Promise<LoadedDocument> {
  return build(parseSource(text, resolvePath(file)));
}

async function build(source: SourceFile): Promise<LoadedDocument> {
  const raw = source.value;
  if (!isObject(raw)) {
    throw new OpenApiError('openapi.invalid', 'the document must be a mapping with an `openapi` field', {
      file: source.file,
      location: source.locate(''),
      pointer: '',
    });
  }
  const version = detectVersion(source, raw);
  const files = await loadFileSet(source);
  const resolution = resolveDocument(files, source.file, version);
  const locateIn = (file: string, pointer: string): SourceLocation | undefined => {
    const origin = resolution.walk(file, pointer);
    return origin ? files.get(origin.file)?.locate(origin.pointer) : undefined;
  };
  const doc: LoadedDocument = {
    file: source.file,
    version,
    root: resolution.root,
    raw,
    files: [...files.keys()],
    locate: (pointer) => locateIn(source.file, pointer),
    locateIn,
    originOf: (value) => resolution.origins.get(value),
  };
  checkStructure(doc);
  return doc;
}

function detectVersion(source: SourceFile, raw: Record<string, unknown>): '3.0' | '3.1' {
  const where = (pointer: string) => ({ file: source.file, location: source.locate(pointer), pointer });
  if ('swagger' in raw && !('openapi' in raw)) {
    throw new OpenApiError(
      'openapi.invalid',
      'Swagger 2.0 is not supported; convert to OpenAPI 3',
      where('/swagger'),
    );
  }
  const declared = raw.openapi;
  if (declared === undefined) {
    throw new OpenApiError('openapi.invalid', "missing the 'openapi' version field", where(''));
  }
  if (typeof declared !== 'string') {
    throw new OpenApiError(
      'openapi.invalid',
      `'openapi' must be a string such as '3.1.0', not ${JSON.stringify(declared)} (quote it)`,
      where('/openapi'),
    );
  }
  if (/^3\.0\.\d{1,4}(-[0-9A-Za-z.-]{1,40})?$/.test(declared)) return '3.0';
  if (/^3\.1\.\d{1,4}(-[0-9A-Za-z.-]{1,40})?$/.test(declared)) return '3.1';
  const detail = declared.startsWith('2')
    ? 'Swagger 2.0 is not supported; convert to OpenAPI 3'
    : `OpenAPI version '${declared.slice(0, 40)}' is not supported (3.0.x and 3.1.x are)`;
  throw new OpenApiError('openapi.invalid', detail, where('/openapi'));
}
