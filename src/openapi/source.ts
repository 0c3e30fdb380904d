import {
  type Document,
  isAlias,
  isMap,
  isScalar,
  isSeq,
  LineCounter,
  type Node,
  type Pair,
  parseDocument,
  type YAMLMap,
} from 'yaml';
import { OpenApiError, type SourceLocation } from './errors.ts';
import { parsePointer } from './pointer.ts';

/** Aliases expanded per file: bounds "billion laughs" documents. */
const MAX_ALIAS_COUNT = 1000;

/** One parsed file: its plain value plus what is needed to map JSON pointers back to line:column. */
export interface SourceFile {
  /** Absolute path. */
  readonly file: string;
  readonly value: unknown;
  /** Location of the node a pointer names in this file (no $ref is followed); the key's position for map entries. */
  locate(pointer: string): SourceLocation | undefined;
}

/** Parse YAML or JSON text (JSON is YAML 1.2) into a SourceFile. Throws OpenApiError('openapi.parse'). */
export function parseSource(text: string, file: string): SourceFile {
  const lineCounter = new LineCounter();
  let doc: Document.Parsed;
  try {
    doc = parseDocument(text, { lineCounter, uniqueKeys: true, prettyErrors: false, strict: true });
  } catch (err) {
    // The parser recurses on nesting; absurdly deep input ends here rather than crashing the caller.
    throw new OpenApiError('openapi.parse', `cannot parse: ${(err as Error).message}`, { file });
  }
  const at = (offset: number): SourceLocation => {
    const { line, col } = lineCounter.linePos(offset);
    return { file, line, column: col };
  };
  const first = doc.errors[0];
  if (first) {
    const location = first.pos[0] >= 0 ? at(first.pos[0]) : undefined;
    const detail = first.code === 'DUPLICATE_KEY' ? 'duplicate key' : firstLine(first.message);
    throw new OpenApiError('openapi.parse', detail, { file, location });
  }
  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (err) {
    throw new OpenApiError('openapi.parse', `cannot parse: ${firstLine((err as Error).message)}`, { file });
  }
  const keyIndex = new WeakMap<YAMLMap, Map<string, Pair>>();
  const deref = (node: unknown): unknown => (isAlias(node) ? node.resolve(doc) : node);
  const entries = (map: YAMLMap): Map<string, Pair> => {
    let index = keyIndex.get(map);
    if (!index) {
      index = new Map();
      for (const pair of map.items) {
        const key = deref(pair.key);
        const name = isScalar(key) ? (key.value === null ? '' : String(key.value)) : String(key);
        index.set(name, pair);
      }
      keyIndex.set(map, index);
    }
    return index;
  };
  return {
    file,
    value,
    locate(pointer: string): SourceLocation | undefined {
      const tokens = parsePointer(pointer);
      if (!tokens) return undefined;
      let node: unknown = doc.contents;
      let offset = (node as Node | null)?.range?.[0] ?? 0;
      for (const token of tokens) {
        node = deref(node);
        if (isMap(node)) {
          const pair = entries(node).get(token);
          if (!pair) return undefined;
          offset = (pair.key as Node | null)?.range?.[0] ?? offset;
          node = pair.value;
        } else if (isSeq(node)) {
          if (!/^(0|[1-9][0-9]{0,8})$/.test(token)) return undefined;
          const item = node.items[Number(token)] as Node | undefined;
          if (!item) return undefined;
          offset = item.range?.[0] ?? offset;
          node = item;
        } else {
          return undefined;
        }
      }
      return at(offset);
    },
  };
}

function firstLine(message: string): string {
  const nl = message.indexOf('\n');
  return nl === -1 ? message : message.slice(0, nl);
}
