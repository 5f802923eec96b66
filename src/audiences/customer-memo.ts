/**
 * One value a customer, kept by the view's customer number for lookups that ask about the same customers again and
 * again (decide). Values are interned by a key, so a million customers keep a million small numbers outside the heap
 * and only the distinct values inside it: an object kept a customer filled the old generation, whose collections were
 * the hot routes' p99 (bench/view-gc.ts). Past `limit` distinct values a new one is returned without being kept.
 */
export class CustomerMemo<T> {
  /** 0 where nothing is kept, else the value's place in `values` plus one. */
  private slots = new Uint32Array(0);
  private readonly values: T[] = [];
  private readonly byKey = new Map<string, number>();

  constructor(private readonly limit: number) {}

  get(i: number): T | undefined {
    const slot = i < this.slots.length ? this.slots[i]! : 0;
    return slot === 0 ? undefined : this.values[slot - 1];
  }

  /** Keeps `value` for customer `i` under `key`, or the value already kept under it; returns the one kept. */
  keep(i: number, key: string, value: T): T {
    let slot = this.byKey.get(key);
    if (slot === undefined) {
      if (this.values.length >= this.limit) return value;
      slot = this.values.push(value);
      this.byKey.set(key, slot);
    }
    if (i >= this.slots.length) {
      const grown = new Uint32Array(Math.max(i + 1, Math.ceil(this.slots.length * 1.125)));
      grown.set(this.slots);
      this.slots = grown;
    }
    this.slots[i] = slot;
    return this.values[slot - 1]!;
  }

  forget(i: number): void {
    if (i < this.slots.length) this.slots[i] = 0;
  }

  clear(): void {
    this.slots.fill(0);
    this.values.length = 0;
    this.byKey.clear();
  }
}
