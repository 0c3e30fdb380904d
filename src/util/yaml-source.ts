import { isMap, isNode, isPair, isScalar, isSeq, LineCounter, parseDocument } from 'yaml';

/** A 1-based position inside a source file. */
export interface Position {
  readonly line: number;
  readonly column: number;
}

/** A parsed YAML (or JSON) text that still knows where each value came from. */
export interface YamlSource {
  readonly value: unknown;
  /** Position of the value at `path` (or of its key, when `key` is true); the nearest ancestor if absent. */
  position(path: readonly (string | number)[], key?: boolean): Position | undefined;
}

/** A YAML syntax error with its position. */
export class YamlSyntaxError extends Error {
  readonly position: Position | undefined;
  constructor(message: string, position: Position | undefined) {
    super(message);
    this.name = 'YamlSyntaxError';
    this.position = position;
  }
}

const MAX_ALIAS_COUNT = 100;

/** Parse YAML 1.2 (so also JSON), refusing duplicate keys and alias bombs. */
export function parseYamlSource(text: string): YamlSource {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, uniqueKeys: true, prettyErrors: false, strict: true });
  const first = doc.errors[0];
  if (first !== undefined) {
    const pos = lineCounter.linePos(first.pos[0]);
    throw new YamlSyntaxError(first.message.split('\n')[0] ?? 'invalid YAML', {
      line: pos.line,
      column: pos.col,
    });
  }
  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (err) {
    throw new YamlSyntaxError(err instanceof Error ? err.message : 'invalid YAML', undefined);
  }
  const at = (offset: number): Position => {
    const p = lineCounter.linePos(offset);
    return { line: p.line, column: p.col };
  };
  return {
    value,
    position(path, key = false) {
      let node: unknown = doc.contents;
      let found: Position | undefined = isNode(node) && node.range ? at(node.range[0]) : undefined;
      for (let i = 0; i < path.length; i++) {
        const seg = path[i];
        if (isMap(node)) {
          const pair = node.items.find(
            (p) => isPair(p) && isScalar(p.key) && String(p.key.value) === String(seg),
          );
          if (pair === undefined) return found;
          const last = i === path.length - 1;
          if (last && key && isNode(pair.key) && pair.key.range) return at(pair.key.range[0]);
          node = pair.value;
          const anchor = isNode(pair.value) && pair.value.range ? pair.value : pair.key;
          if (isNode(anchor) && anchor.range) found = at(anchor.range[0]);
        } else if (isSeq(node) && typeof seg === 'number') {
          const item = node.items[seg];
          if (item === undefined) return found;
          node = item;
          if (isNode(item) && item.range) found = at(item.range[0]);
        } else {
          return found;
        }
      }
      return found;
    },
  };
}

/** Split a JSON pointer (RFC 6901) into its unescaped segments. */
export function pointerSegments(pointer: string): string[] {
  if (pointer === '' || pointer === '#') return [];
  const body = pointer.startsWith('#') ? pointer.slice(1) : pointer;
  return body
    .split('/')
    .slice(1)
    .map((s) => s.replaceAll('~1', '/').replaceAll('~0', '~'));
}
