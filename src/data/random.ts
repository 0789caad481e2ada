// A small seedable PRNG (xoshiro128**, seeded through splitmix32) for augmentation and shuffling.
// Same seed, same numbers on every platform: only 32-bit integer arithmetic (Math.imul, >>>) is used.
// Its whole state is four 32-bit words, so a checkpoint can store it and resume the same stream.

const TWO_TO_32 = 4294967296;

export class Random {
  private s0 = 0;
  private s1 = 0;
  private s2 = 0;
  private s3 = 0;

  constructor(seed: number) {
    if (!Number.isFinite(seed)) throw new RangeError(`Random seed must be a finite number, got ${seed}`);
    // splitmix32 spreads any seed (0, 1, 2, ...) over the 128-bit state; it never yields the all-zero state
    // for four consecutive outputs, which xoshiro could not leave.
    let x = Math.trunc(seed) >>> 0;
    const splitmix = () => {
      x = (x + 0x9e3779b9) >>> 0;
      let z = x;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.s0 = splitmix();
    this.s1 = splitmix();
    this.s2 = splitmix();
    this.s3 = splitmix();
  }

  /** The next 32 random bits as an unsigned integer (xoshiro128**). */
  nextUint32(): number {
    const result = Math.imul(rotl(Math.imul(this.s1, 5), 7), 9) >>> 0;
    const t = this.s1 << 9;
    this.s2 ^= this.s0;
    this.s3 ^= this.s1;
    this.s1 ^= this.s2;
    this.s0 ^= this.s3;
    this.s2 ^= t;
    this.s3 = rotl(this.s3, 11);
    return result;
  }

  /** Uniform in [0, 1). */
  next(): number {
    return this.nextUint32() / TWO_TO_32;
  }

  /** Uniform in [lo, hi). */
  uniform(lo: number, hi: number): number {
    return lo + (hi - lo) * this.next();
  }

  /** A standard normal sample (Box-Muller; one of the pair is dropped so that state() is the whole state). */
  normal(): number {
    const u = 1 - this.next(); // (0, 1]: log(0) never happens
    const v = this.next();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }

  /** A uniform integer in 0..n-1 (n a positive integer up to 2^32). */
  int(n: number): number {
    if (!(n >= 1 && n <= TWO_TO_32 && Number.isInteger(n))) throw new RangeError(`Random.int needs a positive integer up to 2^32, got ${n}`);
    return Math.floor(this.next() * n);
  }

  /** Shuffles `array` in place (Fisher-Yates): every permutation equally likely. */
  shuffle(array: Uint32Array | Int32Array | number[]): void {
    for (let i = array.length - 1; i > 0; i--) {
      const j = Math.floor(this.next() * (i + 1));
      const swap = array[i];
      array[i] = array[j];
      array[j] = swap;
    }
  }

  /** The whole state: four unsigned 32-bit integers. */
  state(): number[] {
    return [this.s0 >>> 0, this.s1 >>> 0, this.s2 >>> 0, this.s3 >>> 0];
  }

  /** A generator that continues exactly where the one whose state() gave `s` was. */
  static fromState(s: number[]): Random {
    if (!Array.isArray(s) || s.length !== 4 || !s.every((w) => Number.isInteger(w) && w >= 0 && w < TWO_TO_32)) {
      throw new RangeError('Random state must be four unsigned 32-bit integers');
    }
    if (s.every((w) => w === 0)) throw new RangeError('Random state cannot be all zeros (xoshiro never leaves it)');
    const random = new Random(0);
    [random.s0, random.s1, random.s2, random.s3] = s;
    return random;
  }
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}
