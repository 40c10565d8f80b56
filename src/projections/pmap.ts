/**
 * A small persistent (immutable) hash map with structural sharing: a hash
 * array mapped trie keyed by string. `set`/`remove` copy only the path to the
 * changed leaf (at most 7 nodes of up to 32 slots), so the replay can keep
 * every state it produced (time travel, the double replay of an undecided
 * check) without copying whole tables, and a fold over a million events stays
 * linear however many block groups (tombstones included) the trace made.
 * `diff` skips the subtrees two versions share, so what changed between two
 * states costs what changed, not the size of the tables (snapshots.ts).
 */

interface Leaf<V> {
  readonly kind: 0;
  readonly hash: number;
  readonly key: string;
  readonly value: V;
}
interface Collision<V> {
  readonly kind: 1;
  readonly hash: number;
  readonly leaves: readonly Leaf<V>[];
}
interface Branch<V> {
  readonly kind: 2;
  readonly bitmap: number;
  readonly children: readonly Child<V>[];
}
type Child<V> = Leaf<V> | Collision<V> | Branch<V>;

const BITS = 5;
const MASK = 31;

function hashOf(key: string): number {
  // FNV-1a, 32 bit.
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    h ^= key.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

function popcount(x: number): number {
  x = x - ((x >>> 1) & 0x55555555);
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  return (((x + (x >>> 4)) & 0x0f0f0f0f) * 0x01010101) >>> 24;
}

const EMPTY_BRANCH: Branch<never> = { kind: 2, bitmap: 0, children: [] };

function merge<V>(a: Leaf<V> | Collision<V>, b: Leaf<V>, shift: number): Child<V> {
  if (a.hash === b.hash) {
    const leaves = a.kind === 0 ? [a, b] : [...a.leaves, b];
    return { kind: 1, hash: a.hash, leaves };
  }
  if (shift >= 32) {
    // Unreachable with 32-bit hashes (equal hashes were handled above).
    throw new Error("pmap: hash exhausted");
  }
  const ia = (a.hash >>> shift) & MASK;
  const ib = (b.hash >>> shift) & MASK;
  if (ia === ib) return { kind: 2, bitmap: 1 << ia, children: [merge(a, b, shift + BITS)] };
  return ia < ib
    ? { kind: 2, bitmap: (1 << ia) | (1 << ib), children: [a, b] }
    : { kind: 2, bitmap: (1 << ia) | (1 << ib), children: [b, a] };
}

function setIn<V>(node: Child<V>, leaf: Leaf<V>, shift: number, added: { n: number }): Child<V> {
  if (node.kind === 0) {
    if (node.key === leaf.key) return node.value === leaf.value ? node : leaf;
    added.n = 1;
    return merge(node, leaf, shift);
  }
  if (node.kind === 1) {
    if (node.hash !== leaf.hash) {
      added.n = 1;
      return merge(node, leaf, shift);
    }
    const i = node.leaves.findIndex((l) => l.key === leaf.key);
    if (i < 0) {
      added.n = 1;
      return { kind: 1, hash: node.hash, leaves: [...node.leaves, leaf] };
    }
    const leaves = node.leaves.slice();
    leaves[i] = leaf;
    return { kind: 1, hash: node.hash, leaves };
  }
  const bit = 1 << ((leaf.hash >>> shift) & MASK);
  const idx = popcount(node.bitmap & (bit - 1));
  if ((node.bitmap & bit) === 0) {
    added.n = 1;
    const children = node.children.slice();
    children.splice(idx, 0, leaf);
    return { kind: 2, bitmap: node.bitmap | bit, children };
  }
  const child = node.children[idx]!;
  const next = setIn(child, leaf, shift + BITS, added);
  if (next === child) return node;
  const children = node.children.slice();
  children[idx] = next;
  return { kind: 2, bitmap: node.bitmap, children };
}

function removeIn<V>(node: Child<V>, key: string, hash: number, shift: number): Child<V> | null | undefined {
  // undefined = not found (unchanged); null = node became empty.
  if (node.kind === 0) return node.key === key ? null : undefined;
  if (node.kind === 1) {
    const i = node.leaves.findIndex((l) => l.key === key);
    if (i < 0) return undefined;
    const leaves = node.leaves.filter((_, j) => j !== i);
    return leaves.length === 1 ? leaves[0]! : { kind: 1, hash: node.hash, leaves };
  }
  const bit = 1 << ((hash >>> shift) & MASK);
  if ((node.bitmap & bit) === 0) return undefined;
  const idx = popcount(node.bitmap & (bit - 1));
  const next = removeIn(node.children[idx]!, key, hash, shift + BITS);
  if (next === undefined) return undefined;
  if (next === null) {
    const bitmap = node.bitmap & ~bit;
    if (bitmap === 0) return null;
    const children = node.children.filter((_, j) => j !== idx);
    if (children.length === 1 && children[0]!.kind !== 2) return children[0]!;
    return { kind: 2, bitmap, children };
  }
  const children = node.children.slice();
  children[idx] = next;
  return { kind: 2, bitmap: node.bitmap, children };
}

function walk<V>(node: Child<V>, f: (l: Leaf<V>) => void): void {
  if (node.kind === 0) f(node);
  else if (node.kind === 1) for (const l of node.leaves) f(l);
  else for (const c of node.children) walk(c, f);
}

/** Calls `f` for every key whose value differs (by identity) between the trees; subtrees they share are skipped. */
function diffIn<V>(a: Child<V>, b: Child<V>, shift: number, f: (key: string, before: V | undefined, after: V | undefined) => void): void {
  if (a === b) return;
  if (a.kind === 2 && b.kind === 2) {
    const both = a.bitmap | b.bitmap;
    for (let bits = both; bits !== 0; bits &= bits - 1) {
      const bit = bits & -bits;
      const ca = a.bitmap & bit ? a.children[popcount(a.bitmap & (bit - 1))]! : null;
      const cb = b.bitmap & bit ? b.children[popcount(b.bitmap & (bit - 1))]! : null;
      if (ca && cb) diffIn(ca, cb, shift + BITS, f);
      else if (ca) walk(ca, (l) => f(l.key, l.value, undefined));
      else if (cb) walk(cb, (l) => f(l.key, undefined, l.value));
    }
    return;
  }
  // Different shapes (a leaf or collision against anything): compare leaf by leaf.
  const before = new Map<string, V>();
  walk(a, (l) => before.set(l.key, l.value));
  walk(b, (l) => {
    const v = before.get(l.key);
    if (v !== l.value) f(l.key, v, l.value);
    before.delete(l.key);
  });
  for (const [k, v] of before) f(k, v, undefined);
}

export class PMap<V> {
  private constructor(
    private readonly root: Child<V>,
    readonly size: number,
  ) {}

  static empty<V>(): PMap<V> {
    return new PMap<V>(EMPTY_BRANCH as Branch<V>, 0);
  }

  static from<V>(entries: Iterable<readonly [string, V]>): PMap<V> {
    let m = PMap.empty<V>();
    for (const [k, v] of entries) m = m.set(k, v);
    return m;
  }

  get(key: string): V | undefined {
    const hash = hashOf(key);
    let node: Child<V> = this.root;
    let shift = 0;
    for (;;) {
      if (node.kind === 0) return node.key === key ? node.value : undefined;
      if (node.kind === 1) return node.leaves.find((l) => l.key === key)?.value;
      const bit = 1 << ((hash >>> shift) & MASK);
      if ((node.bitmap & bit) === 0) return undefined;
      node = node.children[popcount(node.bitmap & (bit - 1))]!;
      shift += BITS;
    }
  }

  has(key: string): boolean {
    return this.get(key) !== undefined;
  }

  set(key: string, value: V): PMap<V> {
    const added = { n: 0 };
    const root = setIn(this.root, { kind: 0, hash: hashOf(key), key, value }, 0, added);
    return root === this.root ? this : new PMap(root, this.size + added.n);
  }

  /** Applies `f` to the value at `key` (must exist). */
  update(key: string, f: (v: V) => V): PMap<V> {
    const v = this.get(key);
    if (v === undefined) throw new Error(`pmap: no entry ${key}`);
    return this.set(key, f(v));
  }

  remove(key: string): PMap<V> {
    const next = removeIn(this.root, key, hashOf(key), 0);
    if (next === undefined) return this;
    return new PMap(next ?? (EMPTY_BRANCH as Branch<V>), this.size - 1);
  }

  /**
   * Entries that differ from `older` (added, changed or removed: `before` or
   * `after` is then undefined), in no particular order. Values are compared
   * by identity: an entry set again to an equal copy counts as changed.
   */
  diff(older: PMap<V>, f: (key: string, before: V | undefined, after: V | undefined) => void): void {
    diffIn(older.root, this.root, 0, f);
  }

  forEach(f: (value: V, key: string) => void): void {
    walk(this.root, (l) => f(l.value, l.key));
  }

  entries(): [string, V][] {
    const out: [string, V][] = [];
    walk(this.root, (l) => out.push([l.key, l.value]));
    return out;
  }

  values(): V[] {
    const out: V[] = [];
    walk(this.root, (l) => out.push(l.value));
    return out;
  }

  keys(): string[] {
    const out: string[] = [];
    walk(this.root, (l) => out.push(l.key));
    return out;
  }
}
