// Turning a reading into what the page says: the digits, or a plain "not sure" with the reason.
// The rule for doubt is the recognize part's (`uncertainty`); the page adds one of its own: a scribble.
import type { InkMap } from '../../src/vision/index.ts';
import { uncertainty } from '../../src/recognize/index.ts';
import type { Reading } from '../../src/recognize/index.ts';
import { percent } from './view.ts';
import type { StatusKind } from './view.ts';

export interface Description {
  digits: string; // '' when nothing should be shown as read
  confidence: number | null;
  unsure: boolean;
  status: string;
  statusKind: StatusKind;
  spoken: string;
}

export interface DescribeOptions {
  source: 'pad' | 'image';
  minInkSide: number; // a digit smaller than this (ink pixels, long side) is a dot or a slip
  asked: boolean; // the person pressed Recognise (an empty pad then deserves a reply)
}

// Ink covering more than this share of the picture, or of a digit's square, is a scribble, not writing:
// pen digits cover about 10-35% of the square around them, MNIST's about 19% of 28x28.
const MAX_PAGE_INK = 0.3;
const MAX_DIGIT_INK = 0.55;

export function describeReading(reading: Reading, ink: InkMap, options: DescribeOptions): Description {
  const doubt = uncertainty(reading, { minInkSide: options.minInkSide });
  const top = (k: number) => runnerUp(reading.items[k]?.probabilities ?? []);
  if (doubt.reason === 'empty') {
    const hasInk = totalInk(ink) > 0;
    if (options.source === 'image') {
      return nothing(hasInk ? 'No digits found in this image.' : 'This image looks blank: no digits found.', 'unsure');
    }
    if (hasInk) return nothing('Too little ink to read: draw a bigger digit.', 'unsure');
    return options.asked
      ? nothing('The pad is empty: draw a digit first.', 'unsure')
      : nothing('Draw a digit, or a whole number.', 'info');
  }
  if (doubt.reason === 'too-small') {
    return nothing(
      options.source === 'pad' ? 'Too small to read: draw the digit bigger.' : 'The marks in this image are too small to read as digits.',
      'unsure',
    );
  }
  if (isScribble(reading, ink)) {
    return nothing(
      options.source === 'pad'
        ? 'That looks like a scribble, not digits. Clear the pad (Esc) and draw again.'
        : 'This image is mostly ink: no digits could be told apart.',
      'unsure',
    );
  }
  const many = reading.items.length > 1;
  if (doubt.unsure) {
    // Name the close call of the most doubtful digit: "4 or 9?"
    let worst = 0;
    reading.items.forEach((item, k) => {
      if (item.confidence < reading.items[worst].confidence) worst = k;
    });
    const [first, second] = top(worst);
    const where = many ? ` (digit ${worst + 1} of ${reading.items.length})` : '';
    const status =
      doubt.reason === 'close-call'
        ? `Not sure${where}: ${first} or ${second}?`
        : `Not sure${where}: the best guess is ${first}, at ${percent(reading.items[worst].confidence)}.`;
    return {
      digits: reading.digits,
      confidence: reading.confidence,
      unsure: true,
      status,
      statusKind: 'unsure',
      spoken: `Not sure. Maybe ${spell(reading.digits)}.`,
    };
  }
  return {
    digits: reading.digits,
    confidence: reading.confidence,
    unsure: false,
    status: many ? `Read ${reading.items.length} digits: ${reading.digits}.` : `Read ${reading.digits}.`,
    statusKind: 'info',
    spoken: `${spell(reading.digits)}, confidence ${percent(reading.confidence)}.`,
  };
}

function nothing(status: string, statusKind: StatusKind): Description {
  return { digits: '', confidence: null, unsure: statusKind !== 'info', status, statusKind, spoken: status };
}

function isScribble(reading: Reading, ink: InkMap): boolean {
  if (totalInk(ink) > MAX_PAGE_INK * ink.width * ink.height) return true;
  return reading.items.some(({ box: [x, y, w, h] }) => {
    const side = Math.max(w, h);
    return side > 0 && inkIn(ink, x, y, w, h) > MAX_DIGIT_INK * side * side;
  });
}

function totalInk(ink: InkMap): number {
  let sum = 0;
  for (let i = 0; i < ink.data.length; i++) sum += ink.data[i];
  return sum;
}

function inkIn(ink: InkMap, x: number, y: number, w: number, h: number): number {
  let sum = 0;
  const x1 = Math.min(ink.width, Math.ceil(x + w));
  const y1 = Math.min(ink.height, Math.ceil(y + h));
  for (let row = Math.max(0, Math.floor(y)); row < y1; row++) {
    for (let col = Math.max(0, Math.floor(x)); col < x1; col++) sum += ink.data[row * ink.width + col];
  }
  return sum;
}

/** The two most probable digits. */
function runnerUp(probabilities: number[]): [number, number] {
  const order = probabilities.map((p, digit) => ({ p, digit })).sort((a, b) => b.p - a.p);
  return [order[0]?.digit ?? 0, order[1]?.digit ?? 0];
}

/** "2026" read out digit by digit ("2 0 2 6"), so a screen reader does not say "two thousand twenty-six". */
function spell(digits: string): string {
  return digits.length > 1 ? [...digits].join(' ') : digits;
}
