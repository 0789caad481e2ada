// The softmax of a model's logits, in plain JavaScript: for a batch of a few digits, tfjs's Softmax and the
// divisions around it were ~0.1 ms of bookkeeping a call on the server's busiest thread, for 10 numbers a digit.
// Evaluation uses the same function.

/** softmax(logits / temperature) per row; max-subtracted so large logits do not overflow. */
export function softmax(logits: Float32Array, classes = 10, temperature = 1): Float32Array {
  if (!Number.isInteger(classes) || classes < 1) throw new RangeError(`classes must be a positive integer, got ${classes}`);
  if (logits.length % classes !== 0) throw new RangeError(`expected rows of ${classes} values, got ${logits.length} values`);
  if (!(temperature > 0) || !Number.isFinite(temperature)) throw new RangeError(`temperature must be positive, got ${temperature}`);
  const n = logits.length / classes;
  const out = new Float32Array(logits.length);
  for (let i = 0; i < n; i++) {
    const row = i * classes;
    let max = -Infinity;
    for (let c = 0; c < classes; c++) max = Math.max(max, logits[row + c] / temperature);
    let sum = 0;
    for (let c = 0; c < classes; c++) {
      const e = Math.exp(logits[row + c] / temperature - max);
      out[row + c] = e;
      sum += e;
    }
    for (let c = 0; c < classes; c++) out[row + c] /= sum;
  }
  return out;
}
