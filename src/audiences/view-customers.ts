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
  /** Each list of cellLists by its audiences and reasons, so that the build's reads in parts (a range at a time) share them. */
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
   * run (`cells`: the number of each one's list, as `cellNumbers` gives it); returns each one's number.
   */
  built(ids: ReadonlyArray<string | null>, cells: ReadonlyMap<string, number>): Int32Array {
    return Int32Array.from(ids, (id) => {
      const i = this.number(id!);
      this.state[i] = BUILT;
      this.cells[i] = cells.get(id!) ?? 0;
      return i;
    });
  }

  /**
   * The number of each customer's list of RFM cells among `rows` (snapshotMemberRows by column: customer_id, id, name,
   * kind, reasons, a customer's rows together in the order of their audiences), the distinct lists kept: a customer
   * costs no object for them.
   */
  cellNumbers(rows: Readonly<Record<string, ReadonlyArray<string | null>>>): Map<string, number> {
    const { customer_id: who, id, name, kind, reasons } = rows as Record<'customer_id' | 'id' | 'name' | 'kind' | 'reasons', ReadonlyArray<string | null>>;
    const out = new Map<string, number>();
    for (let start = 0, end = 0; start < who.length; start = end) {
      let key = '';
      for (end = start; end < who.length && who[end] === who[start]; end++) key += `${id[end]}\u0000${reasons[end] ?? '\u0001'}\u0000`;
      let n = this.listNumbers.get(key);
      if (n === undefined) {
        const cells: LiveAudience[] = [];
        for (let r = start; r < end; r++) cells.push({ id: id[r]!, name: name[r]!, kind: kind[r] as LiveAudience['kind'], reasons: reasons[r] ?? null });
        n = this.cellLists.push(cells) - 1;
        this.listNumbers.set(key, n);
      }
      out.set(who[start]!, n);
    }
    return out;
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
