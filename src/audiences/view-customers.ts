import type { CustomerNumbers } from './event-columns.js';
import type { LiveAudience } from './schema.js';

/** Where a customer number of the view stands. */
const GONE = 0;
/** As of the build: the latest run's features, or before any run those the build computed. */
const BUILT = 1;
/** Features of their own, worked out since the build from their events or consent. */
const OWN = 2;

/**
 * The customers a live view holds, numbered (the row of their features and fields by column, the slot of their
 * events), with each one's
 * reference instant, where they stand (GONE, BUILT, OWN) and their RFM cells: typed arrays indexed by the number,
 * instead of an entry object a customer. RFM cells are held as one of the few distinct lists of them (an audience
 * and its reasons, such as "R 5, F 4, M 3"), so a customer costs four bytes for them.
 */
export class ViewCustomers implements CustomerNumbers {
  private readonly numbers = new Map<string, number>();
  private asOf: Float64Array;
  private state: Uint8Array;
  private cells: Uint32Array;
  /** The distinct lists of RFM cells; the first is none. */
  private readonly cellLists: Array<readonly LiveAudience[]> = [[]];
  /** Each list of cellLists by its text, so that the build's reads in parts (`built`, a part at a time) share them. */
  private readonly listNumbers = new Map<string, number>();

  private readonly ids: string[] = [];

  constructor(
    /** The instant customers of the build are as of (the reference base). */
    private readonly base: number,
  ) {
    this.asOf = new Float64Array(1024).fill(base);
    this.state = new Uint8Array(1024);
    this.cells = new Uint32Array(1024);
  }

  /** Room for every number made so far. */
  get size(): number {
    return this.state.length;
  }

  /**
   * Holds the customers of the build (those of its feature rows), as of the base, with their RFM cells at the latest
   * run; returns each one's number.
   */
  built(ids: readonly string[], snapshot: ReadonlyMap<string, readonly LiveAudience[]>): Int32Array {
    return Int32Array.from(ids, (id) => {
      const i = this.number(id);
      this.state[i] = BUILT;
      const cells = snapshot.get(id);
      if (!cells?.length) return i;
      const key = JSON.stringify(cells);
      let n = this.listNumbers.get(key);
      if (n === undefined) {
        n = this.cellLists.push(cells) - 1;
        this.listNumbers.set(key, n);
      }
      this.cells[i] = n;
      return i;
    });
  }

  /** The customer's number, while the view holds them. */
  held(id: string): number | undefined {
    const i = this.numbers.get(id);
    return i !== undefined && this.state[i] !== GONE ? i : undefined;
  }

  /** The customer's number, held or not (a customer gone keeps theirs should they come back). */
  numberOf(id: string): number | undefined {
    return this.numbers.get(id);
  }

  /** The customer's number, made when new (not held until they are worked out: `own`). */
  number(id: string): number {
    let i = this.numbers.get(id);
    if (i === undefined) {
      i = this.ids.push(id) - 1;
      this.numbers.set(id, i);
      if (i >= this.state.length) this.grow(Math.max(i + 1, this.state.length + (this.state.length >> 3)));
    }
    return i;
  }

  /** The customer's number, made when new; they are then held, as of `asOf` with features of their own. */
  own(id: string, asOf: number): number {
    const i = this.number(id);
    this.state[i] = OWN;
    this.asOf[i] = asOf;
    return i;
  }

  /** The customer's number no longer answers (erased). */
  drop(i: number): void {
    this.state[i] = GONE;
  }

  /** The instant customer `i` is as of (epoch ms). */
  instant(i: number): number {
    return this.asOf[i]!;
  }

  /** Whether customer `i` has features of their own (since the build). */
  hasOwn(i: number): boolean {
    return this.state[i] === OWN;
  }

  /** Customer `i`'s RFM cells at the latest run. */
  cellsOf(i: number): readonly LiveAudience[] {
    return this.cellLists[this.cells[i]!]!;
  }

  /** The customers with features of their own: those a store-wide change touches too. */
  ownIds(): string[] {
    return this.ids.filter((_, i) => this.state[i] === OWN);
  }

  private grow(size: number): void {
    const asOf = new Float64Array(size).fill(this.base);
    asOf.set(this.asOf);
    const state = new Uint8Array(size);
    state.set(this.state);
    const cells = new Uint32Array(size);
    cells.set(this.cells);
    [this.asOf, this.state, this.cells] = [asOf, state, cells];
  }
}
