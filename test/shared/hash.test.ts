import { describe, expect, it } from 'vitest';
import { fmix32, fnv1a } from '../../src/shared/hash.js';

// Published vectors: FNV-1a 32 from the FNV reference test suite; fmix32 as MurmurHash3_x86_32 of the empty input,
// whose whole work is fmix32(seed), from SMHasher's verification table.
describe('hashes kept with the data (cluster samples, look tie-breaks, the folded keys filter)', () => {
  it('FNV-1a gives the reference values', () => {
    expect(fnv1a('')).toBe(0x811c9dc5);
    expect(fnv1a('a')).toBe(0xe40c292c);
    expect(fnv1a('foobar')).toBe(0xbf9cf968);
  });

  it("murmur3's finalizer gives the reference values, unsigned", () => {
    expect(fmix32(0)).toBe(0);
    expect(fmix32(1)).toBe(0x514e28b7);
    expect(fmix32(0xffffffff)).toBe(0x81f16f39);
  });
});
