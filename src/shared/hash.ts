/** 32-bit FNV-1a of a text's UTF-16 code units: the same on every run, version and machine, so what is drawn from it can be kept. */
export function fnv1a(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

/** Two independent unsigned 32-bit hashes of a text (FNV-1a and a murmur-style mix): the pair a Bloom filter's double hashing and a 52-bit key are drawn from. */
export function textHashes(text: string): [number, number] {
  let a = 0x811c9dc5;
  let b = 0x9747b28c;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b ^ c, 0x5bd1e995);
    b ^= b >>> 15;
  }
  return [a >>> 0, b >>> 0];
}

/** murmur3's 32-bit finalizer: every input bit reaches every output bit, so neighbouring inputs give unrelated hashes. */
export function fmix32(h: number): number {
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}
