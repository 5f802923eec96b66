type Numbers = Int8Array | Uint8Array | Uint16Array | Uint32Array | Float32Array | Float64Array;

/** One representation of a column's values: its array, and a value's form in it (undefined where it has none). */
interface Rung {
  make: (size: number) => Numbers;
  encode: (value: number) => number | undefined;
  /**
   * A reader of an array of this rung, decoding: each rung's own function literal, so that each keeps V8's feedback
   * of one kind of typed array (one shared reader of six kinds is megamorphic, and was the largest item of a turn's
   * reads of a customer's events: bench/events-turn.ts).
   */
  reader: (array: Numbers) => (i: number) => number;
}

/** Representations from the narrowest: a column takes the next when a value does not fit the one it has. */
export type Ladder = readonly Rung[];

const same = (v: number): number => v;
const below = (limit: number) => (v: number): number | undefined => (v < limit ? v : undefined);

/** Vocabulary codes (non-negative integers): a byte while there are at most 256, then two, then four. */
export const CODES: Ladder = [
  { make: (n) => new Uint8Array(n), encode: below(2 ** 8), reader: (a) => (i) => a[i]! },
  { make: (n) => new Uint16Array(n), encode: below(2 ** 16), reader: (a) => (i) => a[i]! },
  { make: (n) => new Uint32Array(n), encode: same, reader: (a) => (i) => a[i]! },
];

/** Numbers (NaN for none): four bytes while every one is exact as a float32 (whole quantities, say), else eight. */
export const REALS: Ladder = [
  { make: (n) => new Float32Array(n), encode: (v) => (Number.isNaN(v) || Math.fround(v) === v ? v : undefined), reader: (a) => (i) => a[i]! },
  { make: (n) => new Float64Array(n), encode: same, reader: (a) => (i) => a[i]! },
];

/** Epoch milliseconds: four bytes of whole seconds from 1970 to 2106 while every instant is one, else eight. */
export const TIMES: Ladder = [
  { make: (n) => new Uint32Array(n), encode: (ms) => (ms % 1000 === 0 && ms >= 0 && ms < 2 ** 32 * 1000 ? ms / 1000 : undefined), reader: (a) => (i) => a[i]! * 1000 },
  { make: (n) => new Float64Array(n), encode: same, reader: (a) => (i) => a[i]! },
];

/** Numbers as they are, eight bytes (hashes of keys). */
export const DOUBLES: Ladder = [REALS[1]!];
/** Small integers, one byte. */
export const FLAGS: Ladder = [{ make: (n) => new Int8Array(n), encode: same, reader: (a) => (i) => a[i]! }];

/**
 * A typed array of one field, as narrow as its values allow: it widens (every value re-encoded) the first time a
 * value does not fit, so a store's columns cost what its values need and any value is still held exactly.
 */
export class Column {
  private array: Numbers;
  /** The rung's reader of `array`. */
  private read: (i: number) => number;

  constructor(
    private readonly ladder: Ladder,
    size: number,
    private rung = 0,
  ) {
    this.array = ladder[rung]!.make(size);
    this.read = ladder[rung]!.reader(this.array);
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
    return this.array.length;
  }

  get byteLength(): number {
    return this.array.byteLength;
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
    this.array[i] = stored;
  }

  /** A reader of the column's values (as `get`, monomorphic: see Rung.reader), valid until the column next grows or widens. */
  reader(): (i: number) => number {
    return this.read;
  }

  copyWithin(target: number, start: number, end: number): void {
    this.array.copyWithin(target, start, end);
  }

  grow(size: number): void {
    const out = this.ladder[this.rung]!.make(size);
    out.set(this.array);
    this.array = out;
    this.read = this.ladder[this.rung]!.reader(out);
  }

  private widen(): void {
    const next = this.ladder[this.rung + 1]!;
    const out = next.make(this.array.length);
    for (let i = 0; i < this.array.length; i++) out[i] = next.encode(this.get(i))!;
    this.array = out;
    this.rung++;
    this.read = next.reader(out);
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
