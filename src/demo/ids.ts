/**
 * Zero-padded sequential ids (`C00042`, `E000000017`). Generation order is deterministic, so the ids are stable for a
 * seed. A counter that outgrows its width simply gets longer: ids stay unique, only their sort order would suffer.
 */
export class IdSequence {
  private count = 0;

  constructor(
    private readonly prefix: string,
    private readonly width: number,
  ) {}

  next(): string {
    this.count++;
    return formatId(this.prefix, this.count, this.width);
  }

  get issued(): number {
    return this.count;
  }
}

export function formatId(prefix: string, n: number, width: number): string {
  const digits = String(n);
  return digits.length >= width ? prefix + digits : prefix + '0'.repeat(width - digits.length) + digits;
}

/** Digits needed to write `n`. */
export function digitsOf(n: number): number {
  return String(Math.max(1, Math.floor(n))).length;
}
