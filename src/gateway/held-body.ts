/**
 * The held response body as the response filters see it. A class on purpose: an object literal
 * with getters gets its own accessor pairs, which V8 allocates in the old generation, and one
 * such literal per held response kept starting full mark-compacts under load.
 */
import { parseExactJson } from '../util/exact-json.ts';
import { type HeldBody, isJsonMediaType } from './pipeline.ts';

/** The held body as the filters see it: the current bytes, and their JSON parsed at most once. */
export class HeldBodyView implements HeldBody {
  readonly mediaType: string;
  readonly encoded: boolean;
  #bytes: Buffer;
  /** null: not parsed yet; undefined: not JSON. */
  #parsed: { value: unknown } | undefined | null = null;
  #replaced = false;

  constructor(mediaType: string, encoded: boolean, bytes: Buffer) {
    this.mediaType = mediaType;
    this.encoded = encoded;
    this.#bytes = bytes;
  }

  get bytes(): Buffer {
    return this.#bytes;
  }

  get jsonReplaced(): boolean {
    return this.#replaced;
  }

  json(): { readonly value: unknown } | undefined {
    if (this.#parsed !== null) return this.#parsed;
    this.#parsed = undefined;
    if (isJsonMediaType(this.mediaType) && !this.encoded) {
      try {
        this.#parsed = { value: parseExactJson(this.#bytes.toString('utf8')) };
      } catch {
        // not JSON after all: filters see undefined
      }
    }
    return this.#parsed;
  }

  /** A filter sent new bytes: later filters parse those. */
  replaceBytes(bytes: Buffer): void {
    this.#bytes = bytes;
    this.#parsed = null;
    this.#replaced = false;
  }

  /** A filter set a new JSON value: the bytes are stale until serialized. */
  replaceJson(value: unknown): void {
    this.#parsed = { value };
    this.#replaced = true;
  }

  /** The replaced JSON value as text. */
  serialized(): string {
    return JSON.stringify(this.#parsed?.value) ?? 'null';
  }
}
