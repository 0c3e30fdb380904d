interface Node<K, V> {
  readonly key: K;
  value: V;
  prev: Node<K, V> | undefined;
  next: Node<K, V> | undefined;
}

/**
 * A Map bounded to `max` entries that forgets the least recently used one when full: a hash map of
 * nodes on a doubly linked list, most recent last, so every operation is O(1). (Evicting through a
 * Map's own insertion order is not: V8 iterates over the holes that deletions leave at its front.)
 */
export class LruMap<K, V> {
  readonly #map = new Map<K, Node<K, V>>();
  readonly #max: number;
  #head: Node<K, V> | undefined;
  #tail: Node<K, V> | undefined;

  constructor(max: number) {
    this.#max = Math.max(1, max);
  }

  #unlink(n: Node<K, V>): void {
    if (n.prev === undefined) this.#head = n.next;
    else n.prev.next = n.next;
    if (n.next === undefined) this.#tail = n.prev;
    else n.next.prev = n.prev;
    n.prev = undefined;
    n.next = undefined;
  }

  #append(n: Node<K, V>): void {
    n.prev = this.#tail;
    if (this.#tail === undefined) this.#head = n;
    else this.#tail.next = n;
    this.#tail = n;
  }

  /** The value for `key`, marked as just used. */
  get(key: K): V | undefined {
    const n = this.#map.get(key);
    if (n === undefined) return undefined;
    if (n !== this.#tail) {
      this.#unlink(n);
      this.#append(n);
    }
    return n.value;
  }

  /** The value for `key`, created by `make` (evicting the least recently used entry) when absent. */
  getOrCreate(key: K, make: () => V): V {
    const v = this.get(key);
    if (v !== undefined) return v;
    const created = make();
    this.set(key, created);
    return created;
  }

  /** Set `key`, marked as just used; evicts the least recently used entry past the bound. */
  set(key: K, value: V): void {
    const existing = this.#map.get(key);
    if (existing !== undefined) {
      existing.value = value;
      this.get(key);
      return;
    }
    const n: Node<K, V> = { key, value, prev: undefined, next: undefined };
    this.#map.set(key, n);
    this.#append(n);
    if (this.#map.size > this.#max) {
      const oldest = this.#head!;
      this.#unlink(oldest);
      this.#map.delete(oldest.key);
    }
  }

  delete(key: K): void {
    const n = this.#map.get(key);
    if (n === undefined) return;
    this.#unlink(n);
    this.#map.delete(key);
  }

  get size(): number {
    return this.#map.size;
  }
}
