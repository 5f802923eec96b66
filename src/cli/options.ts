import { UsageError } from '../shared/errors.js';

/** A whole-number option within bounds, or a one-line error naming the flag and what it wanted. */
export function integerOption(text: string, flag: string, bounds: { min: number; max?: number; what: string }): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < bounds.min || n > (bounds.max ?? Number.MAX_SAFE_INTEGER)) {
    throw new UsageError(`${flag}: "${text}" is not ${bounds.what}`);
  }
  return n;
}

/** One of a fixed list of values, or a one-line error naming the flag and every value it takes. */
export function choiceOption<T extends string>(text: string, flag: string, allowed: readonly T[]): T {
  if (!(allowed as readonly string[]).includes(text)) throw new UsageError(`${flag}: "${text}" is not one of ${allowed.join(', ')}`, { [flag]: text });
  return text as T;
}

export const POSITIVE = { min: 1, what: 'a positive integer' };
export const PORT = { min: 0, max: 65535, what: 'a port number' };
