import { sql } from '../sql/index.js';
import { textHashes } from '../shared/hash.js';
import type { Store } from '../store/index.js';

/**
 * Which event ids the store may hold: a Bloom filter over every stored id, so that a batch's duplicate check asks the
 * store only about the few ids it may already hold, instead of joining the batch against every id of the store (a
 * cost that grew with the store). "No" is certain; "maybe" is checked against the store, so a false positive costs a
 * lookup, never a wrong answer.
 *
 * 16 bits an id and 11 hashes: about 1 false positive in 2,000 ids when full (a batch of 100 asks the store once in
 * 20 batches), 2 bytes an event. It is sized at the view's build for the events then and as many again; past that the
 * false positives grow (more lookups, still exact answers) until the next build, after the next run or import.
 */
const BITS_PER_ITEM = 16;
const HASHES = 11;

/** A Bloom filter over items given as two 32-bit hashes each (double hashing): 16 bits an item, about 1 false positive in 2,000 when full. */
export class BloomFilter {
  /** Bytes an item the filter is sized for. */
  static readonly BYTES_PER_ITEM = BITS_PER_ITEM / 8;
  private readonly bits: Uint32Array;
  private readonly size: number;

  constructor(items: number) {
    this.size = Math.max(1 << 16, Math.ceil((items * BITS_PER_ITEM) / 32) * 32);
    this.bits = new Uint32Array(this.size / 32);
  }

  /** An item by its two hashes; the step is made odd, which visits distinct bits when the size is a power of two and spreads them otherwise. */
  add(a: number, b: number): void {
    for (let k = 0, h = a >>> 0, step = (b | 1) >>> 0; k < HASHES; k++, h = (h + step) >>> 0) {
      const bit = h % this.size;
      this.bits[bit >>> 5]! |= 1 << (bit & 31);
    }
  }

  /** False when the item was surely not added. */
  mayHold(a: number, b: number): boolean {
    for (let k = 0, h = a >>> 0, step = (b | 1) >>> 0; k < HASHES; k++, h = (h + step) >>> 0) {
      const bit = h % this.size;
      if ((this.bits[bit >>> 5]! & (1 << (bit & 31))) === 0) return false;
    }
    return true;
  }

  get bytes(): number {
    return this.bits.byteLength;
  }
}

export class StoredIds {
  /** Bytes an id, as sized at the build (room for as many again). */
  static readonly BYTES_PER_ID = 2 * BloomFilter.BYTES_PER_ITEM;
  private readonly filter: BloomFilter;

  constructor(ids: number) {
    this.filter = new BloomFilter(ids * 2);
  }

  add(id: string): void {
    this.filter.add(...textHashes(id));
  }

  /** False when the id is surely not stored. */
  mayHold(id: string): boolean {
    return this.filter.mayHold(...textHashes(id));
  }

  get bytes(): number {
    return this.filter.bytes;
  }
}

/**
 * Products known to have a products row: read at the view's build, and those of each batch stored since (the batch
 * gave its new products a row), so that a batch of known products asks the products table nothing. Any subset is
 * right (an unknown product only costs the insert's check), so it is bounded: past MAX ids it learns no more.
 */
export class KnownProducts {
  /** About 60 bytes an id: under 8 MB however large the catalog. */
  static readonly MAX = 1 << 17;
  private readonly ids: Set<string>;

  private constructor(ids: readonly string[]) {
    this.ids = new Set(ids);
  }

  static async load(store: Store): Promise<KnownProducts> {
    return new KnownProducts((await store.all<{ id: string }>(sql`SELECT id FROM products LIMIT ${KnownProducts.MAX}`)).map((r) => r.id));
  }

  /** Of these products, those not known to have a row. */
  unknown(productIds: readonly string[]): string[] {
    return productIds.filter((id) => !this.ids.has(id));
  }

  /** Products that have a row now. */
  add(productIds: Iterable<string>): void {
    for (const id of productIds) {
      if (this.ids.size >= KnownProducts.MAX) return;
      this.ids.add(id);
    }
  }
}
