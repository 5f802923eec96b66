type Numbers = Int8Array | Uint8Array | Uint16Array | Uint32Array | Float32Array | Float64Array;

/** One representation of a column's values: its array, and a value's form in it (undefined where it has none). */
interface Rung {
  make: (size: number) => Numbers;
  encode: (value: number) => number | undefined;
  /**
   * A reader of a column's two parts at this rung (Column), decoding: each rung's own function literal, so that each
   * keeps V8's feedback of one kind of typed array (one shared reader of six kinds is megamorphic, and was the largest
   * item of a turn's reads of a customer's events: bench/events-turn.ts).
   */
  reader: (head: Numbers, rest: Numbers) => (i: number) => number;
}

/** Representations from the narrowest: a column takes the next when a value does not fit the one it has. */
export type Ladder = readonly Rung[];

const same = (v: number): number => v;
const below = (limit: number) => (v: number): number | undefined => (v < limit ? v : undefined);

/** Vocabulary codes (non-negative integers): a byte while there are at most 256, then two, then four. */
export const CODES: Ladder = [
  { make: (n) => new Uint8Array(n), encode: below(2 ** 8), reader: (a, b, n = a.length) => (i) => (i < n ? a[i]! : b[i - n]!) },
  { make: (n) => new Uint16Array(n), encode: below(2 ** 16), reader: (a, b, n = a.length) => (i) => (i < n ? a[i]! : b[i - n]!) },
  { make: (n) => new Uint32Array(n), encode: same, reader: (a, b, n = a.length) => (i) => (i < n ? a[i]! : b[i - n]!) },
];

/** Numbers (NaN for none): four bytes while every one is exact as a float32 (whole quantities, say), else eight. */
export const REALS: Ladder = [
  { make: (n) => new Float32Array(n), encode: (v) => (Number.isNaN(v) || Math.fround(v) === v ? v : undefined), reader: (a, b, n = a.length) => (i) => (i < n ? a[i]! : b[i - n]!) },
  { make: (n) => new Float64Array(n), encode: same, reader: (a, b, n = a.length) => (i) => (i < n ? a[i]! : b[i - n]!) },
];

/** Epoch milliseconds: four bytes of whole seconds from 1970 to 2106 while every instant is one, else eight. */
export const TIMES: Ladder = [
  { make: (n) => new Uint32Array(n), encode: (ms) => (ms % 1000 === 0 && ms >= 0 && ms < 2 ** 32 * 1000 ? ms / 1000 : undefined), reader: (a, b, n = a.length) => (i) => (i < n ? a[i]! : b[i - n]!) * 1000 },
  { make: (n) => new Float64Array(n), encode: same, reader: (a, b, n = a.length) => (i) => (i < n ? a[i]! : b[i - n]!) },
];

/** Numbers as they are, eight bytes (hashes of keys). */
export const DOUBLES: Ladder = [REALS[1]!];
/** Small integers, one byte. */
export const FLAGS: Ladder = [{ make: (n) => new Int8Array(n), encode: same, reader: (a, b, n = a.length) => (i) => (i < n ? a[i]! : b[i - n]!) }];

/**
 * A typed array of one field, as narrow as its values allow: it widens (every value re-encoded) the first time a
 * value does not fit, so a store's columns cost what its values need and any value is still held exactly.
 *
 * In two parts: the array it was made with (`head`), never copied as it grows, and the values past its end (`rest`),
 * which a growth replaces by a larger copy. A growth copies only what was added since the column
 * was made: the live view's event columns hold tens of millions of events from the build, and a growth that copied
 * them all (a few times a minute under load) was 1.4 s of 33 s of the server's CPU at 1M (docs/benchmarks.md, issue 17).
 * A read tests which part holds its value: a branch that follows a customer's events, their build's then their tail.
 */
export class Column {
  private head: Numbers;
  private rest: Numbers;
  /** The rung's reader of the two parts. */
  private read: (i: number) => number;

  constructor(
    private readonly ladder: Ladder,
    size: number,
    private rung = 0,
  ) {
    this.head = ladder[rung]!.make(size);
    this.rest = ladder[rung]!.make(0);
    this.read = ladder[rung]!.reader(this.head, this.rest);
  }

  /** The narrowest rung of `ladder` that holds every one of `values`. */
  static rungFor(ladder: Ladder, values: readonly number[]): number {
    const rung = ladder.findIndex((r) => values.every((v) => r.encode(v) !== undefined));
    return rung < 0 ? ladder.length - 1 : rung;
  }

  /** Bytes a value at this rung of the ladder. */
  static bytesAt(ladder: Ladder, rung: number): number {
    return ladder[rung]!.make(0).BYTES_PER_ELEMENT;
  }

  get length(): number {
    return this.head.length + this.rest.length;
  }

  get byteLength(): number {
    return this.head.byteLength + this.rest.byteLength;
  }

  get(i: number): number {
    return this.read(i);
  }

  set(i: number, value: number): void {
    let stored = this.ladder[this.rung]!.encode(value);
    while (stored === undefined) {
      this.widen();
      stored = this.ladder[this.rung]!.encode(value);
    }
    this.put(i, stored);
  }

  /** A reader of the column's values (as `get`, monomorphic: see Rung.reader), valid until the column next grows or widens. */
  reader(): (i: number) => number {
    return this.read;
  }

  copyWithin(target: number, start: number, end: number): void {
    const n = this.head.length;
    if (Math.max(end, target + end - start) <= n) this.head.copyWithin(target, start, end);
    else if (Math.min(start, target) >= n) this.rest.copyWithin(target - n, start - n, end - n);
    // Across the parts (a tail moved from the head's spare room past its end): a value at a time, in the order that
    // reads each value of an overlap before it is overwritten.
    else if (target < start) for (let k = 0; k < end - start; k++) this.put(target + k, this.stored(start + k));
    else for (let k = end - start - 1; k >= 0; k--) this.put(target + k, this.stored(start + k));
  }

  /** Values past the array the column was made with: what a growth copies. */
  get added(): number {
    return this.rest.length;
  }

  /** Room for `size` values: the rest is replaced by a copy of it in an array of the new size, the head stays. */
  grow(size: number): void {
    const out = this.ladder[this.rung]!.make(size - this.head.length);
    out.set(this.rest);
    this.rest = out;
    this.read = this.ladder[this.rung]!.reader(this.head, out);
  }

  /** Value `i` as this rung stores it (undecoded). */
  private stored(i: number): number {
    const n = this.head.length;
    return i < n ? this.head[i]! : this.rest[i - n]!;
  }

  private put(i: number, stored: number): void {
    const n = this.head.length;
    if (i < n) this.head[i] = stored;
    else this.rest[i - n] = stored;
  }

  private widen(): void {
    const next = this.ladder[this.rung + 1]!;
    const widened = (part: Numbers, from: number): Numbers => {
      const out = next.make(part.length);
      for (let i = 0; i < part.length; i++) out[i] = next.encode(this.get(from + i))!;
      return out;
    };
    const head = widened(this.head, 0);
    this.rest = widened(this.rest, this.head.length);
    this.head = head;
    this.rung++;
    this.read = next.reader(this.head, this.rest);
  }
}

/** A field's strings numbered from 1 in order of first sight (0 for none), so a column holds a code instead of a string. */
export class Vocabulary {
  private readonly numbers = new Map<string, number>();
  private readonly values: string[] = [];

  of(value: string | null): number {
    if (value === null) return 0;
    let n = this.numbers.get(value);
    if (n === undefined) {
      this.values.push(value);
      n = this.values.length;
      this.numbers.set(value, n);
    }
    return n;
  }

  at(n: number): string | null {
    return n === 0 ? null : this.values[n - 1]!;
  }
}
