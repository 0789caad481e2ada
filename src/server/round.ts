// Probabilities come out of the model as float32: printed as doubles they read 0.009999999776482582.
// Six significant digits keep everything a reader or a client can use, and halve the JSON.
import type { Reading } from '../recognize/types.ts';

const round = (x: number) => Number(x.toPrecision(6));

export function roundReading(reading: Reading): Reading {
  return {
    digits: reading.digits,
    confidence: round(reading.confidence),
    items: reading.items.map((item) => ({
      digit: item.digit,
      confidence: round(item.confidence),
      box: item.box,
      probabilities: item.probabilities.map(round),
    })),
  };
}
