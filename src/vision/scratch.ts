// Work arrays reused from one call to the next instead of allocated afresh: a 64x64 single digit's findInk made
// ~20 typed arrays, and their allocation and collection were ~20% of its time. Vision functions are synchronous
// and every thread (an image worker, a page) has its own copy of this module, so the arrays one call takes are
// never in use by another. Vision's results (findInk's ink, preprocessDigit's image, segments) are never taken
// from here; the helpers that can return one (resampleInk, squaredDistanceTo, labelComponents) do so only when
// their caller passes a key. Arrays of more than POOLED_ELEMENTS are allocated as before, so a big photo's are not
// kept alive; an image of up to 512x512 leaves ~16 MB in the pool of the thread that read it (finding ink's ~16
// image-sized arrays).
type TypedArray = Float32Array | Float64Array | Int32Array | Uint8Array;
type TypedArrayType<T extends TypedArray> = { new (length: number): T };

const POOLED_ELEMENTS = 1 << 18; // 512x512 pixels: at most 2 MB kept per key (Float64)
const pool = new Map<string, TypedArray>();

/**
 * A zero-filled array of `length` elements for work inside one call: the same memory as the last call that
 * took `key`, whose contents it overwrites. `key` names one use; two arrays in use at once need two keys.
 */
export function scratchArray<T extends TypedArray>(key: string, Type: TypedArrayType<T>, length: number): T {
  if (length > POOLED_ELEMENTS) return new Type(length);
  let array = pool.get(key) as T | undefined;
  if (!array || array.length < length || !(array instanceof Type)) {
    array = new Type(Math.max(length, 4096));
    pool.set(key, array);
  }
  const view = array.subarray(0, length) as T;
  view.fill(0);
  return view;
}
