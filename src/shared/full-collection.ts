import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

// V8 hands out `gc` only under --expose-gc; the flag is on just long enough for a new context to carry it.
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;
setFlagsFromString('--no-expose-gc');

/**
 * A full collection now. Building a live view leaves most of a gigabyte of garbage in the old generation at 1M
 * customers (the rows read and converted); left there, it is collected whenever V8 decides, which under load is a
 * pause of hundreds of milliseconds, and until then every young collection pays for the larger old generation.
 */
export function fullCollection(): void {
  gc();
}
