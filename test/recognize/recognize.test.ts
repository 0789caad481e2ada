import test from 'node:test';
import assert from 'node:assert/strict';
import { recognize, recognizeInk, recognizeDetailed, recognizeStrokes, uncertainty, isUnsure, VERDICT_SIZE, type Classified, type DigitClassifier, type Reading } from '../../src/recognize/index.ts';
import { digitStrokes, drawStrokes, renderStrokes, toMnistImage, preprocessDigit, segmentLine, type Box, type InkMap, type Point, type Strokes } from '../../src/vision/index.ts';
import { writeNumber, onPaper, fiveWithBarApart } from '../vision/pages.ts';

/**
 * A stand-in for the model: compares each image with the preprocessed plain template of every digit and
 * answers a softmax over their closeness, and as evidence the closeness of the best match (1 for a clean
 * digit, ~0.7 for a piece of one, as the model's largest logit is quieter for them). It counts its calls, to
 * check batching.
 */
class NearestTemplate implements DigitClassifier {
  calls = 0;
  private templates = Array.from({ length: 10 }, (_, d) =>
    toMnistImage(renderStrokes(digitStrokes(d), { width: 100, height: 100, box: [14, 10, 72, 80], thickness: 6 })),
  );
  async classify(images: Float32Array, count: number): Promise<Float32Array> {
    return (await this.classifyWithEvidence(images, count)).probabilities;
  }
  async classifyWithEvidence(images: Float32Array, count: number): Promise<Classified> {
    this.calls++;
    const probabilities = new Float32Array(count * 10);
    const evidence = new Float32Array(count);
    for (let k = 0; k < count; k++) {
      const image = images.subarray(k * 784, (k + 1) * 784);
      // cosine similarity, so that (like the model) a thin pen as written and a redrawn one read alike
      const norm = Math.sqrt(image.reduce((a, v) => a + v * v, 0)) || 1;
      const closeness = this.templates.map((t) => {
        let dot = 0;
        let tt = 0;
        for (let i = 0; i < 784; i++) [dot, tt] = [dot + image[i] * t[i], tt + t[i] * t[i]];
        return dot / (norm * Math.sqrt(tt));
      });
      evidence[k] = Math.max(...closeness);
      const exp = closeness.map((c) => Math.exp(SHARPNESS * (c - evidence[k])));
      const sum = exp.reduce((a, b) => a + b, 0);
      exp.forEach((e, d) => (probabilities[k * 10 + d] = e / sum));
    }
    return { probabilities, evidence };
  }
}

// The fake's logits are closenesses times this: sure of a clean match, less so of a poor one.
const SHARPNESS = 30;

const centreInside = (found: Box, written: Box) => {
  const cx = written[0] + written[2] / 2;
  const cy = written[1] + written[3] / 2;
  return found[0] <= cx && cx <= found[0] + found[2] && found[1] <= cy && cy <= found[1] + found[3];
};

test('reads a written number left to right, with one box per digit in image pixels', async () => {
  const { ink, boxes } = writeNumber('4071', { width: 360, height: 120, jitter: 0, seed: 4 });
  const reading = await recognize(onPaper(ink, { pen: [20, 40, 160] }), new NearestTemplate());
  assert.equal(reading.digits, '4071');
  reading.items.forEach((item, k) => assert.ok(centreInside(item.box, boxes[k]), `item ${k} box ${item.box}`));
});

test('classifies every digit of a picture in one batched call', async () => {
  const classifier = new NearestTemplate();
  const { ink } = writeNumber('952836', { width: 560, height: 120, jitter: 0 });
  const reading = await recognizeInk(ink, classifier);
  assert.equal(reading.digits, '952836');
  assert.equal(classifier.calls, 1);
});

test('the whole confidence is the product of the digits, and each digit has 10 probabilities summing to 1', async () => {
  const { ink } = writeNumber('27', { width: 200, height: 120, jitter: 0 });
  const reading = await recognizeInk(ink, new NearestTemplate());
  const product = reading.items.reduce((p, item) => p * item.confidence, 1);
  assert.ok(Math.abs(reading.confidence - product) < 1e-9);
  for (const item of reading.items) {
    assert.equal(item.probabilities.length, 10);
    assert.ok(Math.abs(item.probabilities.reduce((a, b) => a + b, 0) - 1) < 1e-5);
    assert.equal(item.confidence, Math.max(...item.probabilities));
  }
});

test('touching digits are read cut apart when the cut reads more confidently than the whole', async () => {
  const { ink } = writeNumber('00', { width: 200, height: 120, gap: -20, jitter: 0 });
  assert.equal(segmentLine(ink).length, 1, 'the two 0s touch');
  const reading = await recognizeInk(ink, new NearestTemplate());
  assert.equal(reading.digits, '00');
});

test('touching pairs are read as two digits, each cut where the model reads both best', async () => {
  for (const [digits, gap] of [['38', -24], ['47', -28], ['25', -28], ['56', -28]] as const) {
    const { ink, boxes } = writeNumber(digits, { width: 220, height: 120, gap, jitter: 0 });
    assert.equal(segmentLine(ink, { maxDigitAspect: Infinity }).length, 1, `${digits}: the digits touch`);
    const reading = await recognizeInk(ink, new NearestTemplate());
    assert.equal(reading.digits, digits);
    reading.items.forEach((item, k) => assert.ok(centreInside(item.box, boxes[k]), `${digits}: item ${k} box ${item.box}`));
  }
});

test('a lone digit no wider than tall costs one classification', async () => {
  let classified = 0;
  const counting: DigitClassifier = {
    async classify(images, count) {
      classified += count;
      return new NearestTemplate().classify(images, count);
    },
  };
  const ink = renderStrokes(digitStrokes(0), { width: 120, height: 120, box: [20, 15, 80, 90], thickness: 7 });
  assert.equal((await recognizeInk(ink, counting)).digits, '0');
  assert.equal(classified, 1);
});

test('a redrawn digit the model is unsure of is read once more as written, and the two readings averaged', async () => {
  const ink = renderStrokes(digitStrokes(7), { width: 120, height: 120, box: [25, 15, 70, 90], thickness: 3 });
  const redrawn = preprocessDigit(ink);
  assert.equal(redrawn.redrawn, true, 'a 3 px pen is redrawn');
  const middle = (sum(redrawn.image) + sum(preprocessDigit(ink, { normalizeStroke: false }).image)) / 2;
  // reads heavy ink (the redrawn image) as a 1 with `sureness`, light ink (as written) as a 7 at 0.6
  const byMass = (sureness: number) => {
    const classifier = {
      classified: 0,
      async classify(images: Float32Array, count: number) {
        classifier.classified += count;
        const out = new Float32Array(count * 10);
        for (let k = 0; k < count; k++) {
          const heavy = sum(images.subarray(k * 784, (k + 1) * 784)) > middle;
          out[k * 10 + 1] = heavy ? sureness : 0.4;
          out[k * 10 + 7] = heavy ? 1 - sureness : 0.6;
        }
        return out;
      },
    };
    return classifier;
  };
  const unsure = byMass(0.8);
  const reading = await recognizeInk(ink, unsure, { singleDigit: true });
  assert.equal(unsure.classified, 2, 'redrawn and as written');
  assert.ok(Math.abs(reading.items[0].probabilities[1] - 0.6) < 1e-6, `p(1) = ${reading.items[0].probabilities[1]}`);
  assert.ok(Math.abs(reading.items[0].probabilities[7] - 0.4) < 1e-6, `p(7) = ${reading.items[0].probabilities[7]}`);
  assert.equal(reading.digits, '1');

  const sure = byMass(0.995);
  const sureReading = await recognizeInk(ink, sure, { singleDigit: true });
  assert.equal(sure.classified, 1, 'a sure reading is not read again');
  assert.ok(Math.abs(sureReading.items[0].confidence - 0.995) < 1e-6);

  // a pen as thick as MNIST's is not redrawn, so however unsure the model is there is nothing else to read
  const mnistLike = renderStrokes(digitStrokes(7), { width: 120, height: 120, box: [25, 15, 70, 90], thickness: 12 });
  assert.equal(preprocessDigit(mnistLike).redrawn, false);
  const unsureAgain = byMass(0.8);
  await recognizeInk(mnistLike, unsureAgain, { singleDigit: true });
  assert.equal(unsureAgain.classified, 1);

  // the pad reads its strokes once: there a second reading did worse
  const strokes = digitStrokes(7).map((stroke) => stroke.map(([u, v]) => [25 + u * 70, 15 + v * 90] as Point));
  const onThePad = byMass(0.8);
  const padReading = await recognizeStrokes(strokes, onThePad, { box: [0, 0, 1, 1], penWidth: 3 });
  assert.equal(padReading.reading.digits, '1');
  assert.equal(onThePad.classified, padReading.images.length, 'one image per candidate');
});

const sum = (values: Float32Array) => values.reduce((a, b) => a + b, 0);

// Sure of a 0 when the image is a ring (ink left, right, top and bottom of the centre, none in it), unsure otherwise.
const ringSpotter: DigitClassifier = {
  async classify(images, count) {
    const out = new Float32Array(count * 10);
    for (let k = 0; k < count; k++) {
      const at = (x: number, y: number) => images[k * 784 + y * 28 + x];
      const ring = at(14, 14) < 0.1 && [0, 1, 2, 3].every((side) => {
        for (let r = 2; r < 12; r++) {
          const [x, y] = [[14 - r, 14], [14 + r, 14], [14, 14 - r], [14, 14 + r]][side];
          if (at(x, y) > 0.5) return true;
        }
        return false;
      });
      const guess = ring ? 0 : 1;
      for (let d = 0; d < 10; d++) out[k * 10 + d] = d === guess ? (ring ? 0.91 : 0.55) : ring ? 0.01 : 0.05;
    }
    return out;
  },
};

test('a single wide digit is not cut when the whole reads better', async () => {
  const ink = renderStrokes(digitStrokes(0), { width: 160, height: 120, box: [10, 20, 140, 80], thickness: 7 });
  assert.equal(segmentLine(ink)[0].parts.length, 2, 'the shape alone would cut it');
  const reading = await recognizeInk(ink, ringSpotter);
  assert.equal(reading.digits, '0');
});

test('a blob more than twice as wide as tall is never read as one digit, however confident the model', async () => {
  const { ink } = writeNumber('0000', { width: 400, height: 120, gap: -22, jitter: 0 });
  assert.equal(segmentLine(ink).length, 1, 'the four 0s touch');
  const alwaysSure: DigitClassifier = {
    // sure of a 1 for anything narrow, of an 8 for anything wider than tall (the whole blob)
    async classify(images, count) {
      const out = new Float32Array(count * 10);
      for (let k = 0; k < count; k++) {
        let left = 28;
        let right = 0;
        for (let i = 0; i < 784; i++) if (images[k * 784 + i] > 0.3) [left, right] = [Math.min(left, i % 28), Math.max(right, i % 28)];
        out[k * 10 + (right - left > 16 ? 8 : 1)] = right - left > 16 ? 0.999 : 0.9;
      }
      return out;
    },
  };
  const reading = await recognizeInk(ink, alwaysSure);
  assert.ok(reading.digits.length >= 3, `read as "${reading.digits}"`);
});

test('a 5\'s bar written apart, nearer the next digit than its own body, is read with the 5', async () => {
  const reading = await recognizeInk(fiveWithBarApart(84), new NearestTemplate());
  assert.equal(reading.digits, '51');
});

test('a thin dotted trace beside the digits is read as nothing, and a 1 written with the same pen as its neighbours is kept', async () => {
  const { ink, boxes } = writeNumber('471', { width: 420, height: 140, jitter: 0, thickness: 9 });
  const [x, y, w, h] = boxes[2];
  // a scanner's edge: a 1 px dotted line, three quarters of the digits' height, just right of the last digit
  for (let row = y + Math.round(0.15 * h); row < y + Math.round(0.9 * h); row++) if (row % 5 !== 0) ink.data[row * 420 + x + w + 8] = 1;
  const reading = await recognizeInk(ink, new NearestTemplate());
  assert.equal(reading.digits, '471');
});

test('a 1 as tall as its neighbours is read even when its pen is far thinner than theirs', async () => {
  const { ink, boxes } = writeNumber('47', { width: 420, height: 140, jitter: 0, thickness: 10 });
  const [x, y, w, h] = boxes[1];
  drawStrokes(ink, digitStrokes(1, 'plain'), [x + w + 20, y, w, h], 2);
  const reading = await recognizeInk(ink, new NearestTemplate());
  assert.equal(reading.digits, '471');
});

test('singleDigit reads all the ink as one digit and gives the image the classifier saw', async () => {
  const ink = renderStrokes(digitStrokes(5, 'plain'), { width: 140, height: 140, box: [30, 20, 70, 100], thickness: 8 });
  const { reading, images } = await recognizeDetailed(ink, new NearestTemplate(), { singleDigit: true });
  assert.equal(reading.digits, '5');
  assert.equal(images.length, 1);
  assert.equal(images[0].length, 784);
});

test('a blank picture reads as no digits, without calling the classifier', async () => {
  const classifier = new NearestTemplate();
  const { ink } = writeNumber('', { width: 100, height: 80 });
  const reading = await recognize(onPaper(ink), classifier);
  assert.deepEqual(reading, { digits: '', confidence: 1, items: [] });
  assert.equal(classifier.calls, 0);
});

function readingOf(probabilities: number[], box: Box = [0, 0, 40, 60]): Reading {
  const digit = probabilities.indexOf(Math.max(...probabilities));
  return { digits: String(digit), confidence: probabilities[digit], items: [{ digit, confidence: probabilities[digit], box, probabilities }] };
}

test('"not sure" when empty, when two candidates are close, when a digit is a dot, and sure otherwise', () => {
  const clear = [0.01, 0.9, 0.01, 0.01, 0.01, 0.02, 0.01, 0.01, 0.01, 0.01];
  const close = [0.01, 0.45, 0.01, 0.01, 0.01, 0.01, 0.01, 0.4, 0.08, 0.01];
  assert.equal(uncertainty({ digits: '', confidence: 1, items: [] }).reason, 'empty');
  assert.equal(uncertainty(readingOf(close)).reason, 'close-call');
  assert.equal(uncertainty(readingOf(clear, [10, 10, 3, 4])).reason, 'too-small');
  assert.equal(isUnsure(readingOf(clear)), false);
  assert.ok(Math.abs(uncertainty(readingOf(close)).margin - 0.05) < 1e-9);
});

test('a picture above the pixel budget is read shrunk, with boxes still in its own pixels', async () => {
  // 2000 x 1400 = 2.8 MP, read at half size
  const { ink, boxes } = writeNumber('38', { width: 2000, height: 1400, digitHeight: 900, x: 300, jitter: 0 });
  const reading = await recognize(onPaper(ink), new NearestTemplate());
  assert.equal(reading.digits, '38');
  reading.items.forEach((item, k) => assert.ok(centreInside(item.box, boxes[k]), `item ${k} box ${item.box}`));
  assert.ok(reading.items[0].box[3] > 800, 'boxes are in full-size pixels');
});

test('two touching digits read confidently as one are cut apart when that one reading has little evidence', async () => {
  const { ink } = writeNumber('00', { width: 200, height: 120, gap: -20, jitter: 0 });
  assert.equal(segmentLine(ink).length, 1, 'the two 0s touch');
  // Sure of an 8 for the whole blob (wider than tall once preprocessed), but with a quiet logit; the templates'
  // answer and evidence for anything else.
  const templates = new NearestTemplate();
  const wide = (images: Float32Array, k: number) => {
    let [left, right] = [28, 0];
    for (let i = 0; i < 784; i++) if (images[k * 784 + i] > 0.3) [left, right] = [Math.min(left, i % 28), Math.max(right, i % 28)];
    return right - left > 16;
  };
  const blobIsAnEight = async (images: Float32Array, count: number) => {
    const out = await templates.classify(images, count);
    for (let k = 0; k < count; k++) if (wide(images, k)) out.fill(1e-5, k * 10, k * 10 + 10).fill(0.99991, k * 10 + 8, k * 10 + 9);
    return out;
  };
  const confidenceOnly: DigitClassifier = { classify: blobIsAnEight };
  const withEvidence: DigitClassifier = {
    classify: blobIsAnEight,
    async classifyWithEvidence(images, count) {
      const { evidence } = await templates.classifyWithEvidence(images, count);
      return { probabilities: await blobIsAnEight(images, count), evidence: evidence!.map((e, k) => (wide(images, k) ? 0.3 : e)) };
    },
  };
  assert.equal((await recognizeInk(ink, confidenceOnly)).digits, '8', 'on confidence alone the whole wins');
  assert.equal((await recognizeInk(ink, withEvidence)).digits, '00');
});

test("the classifier's verifier weighs in where a line offers a choice, and is not asked where it offers none", async () => {
  const { ink } = writeNumber('00', { width: 200, height: 120, gap: -20, jitter: 0 });
  const templates = new NearestTemplate();
  const wide = (images: Float32Array, k: number) => {
    let [left, right] = [28, 0];
    for (let i = 0; i < 784; i++) if (images[k * 784 + i] > 0.3) [left, right] = [Math.min(left, i % 28), Math.max(right, i % 28)];
    return right - left > 16;
  };
  let verified = 0;
  // a verifier sure that only the wide candidate (the whole blob) is one whole digit, and every cut is a piece
  const withVerifier: DigitClassifier = {
    classify: (images, count) => templates.classify(images, count),
    classifyWithEvidence: (images, count) => templates.classifyWithEvidence(images, count),
    async verify(images, count) {
      verified += count;
      return verdicts(count, (k) => (wide(images, k) ? 1 : 1e-4));
    },
  };
  assert.equal((await recognizeInk(ink, templates)).digits, '00', 'without it the cut reads best');
  assert.equal((await recognizeInk(ink, withVerifier)).digits.length, 1, 'the verifier outweighs two sure pieces');
  assert.ok(verified > 2);

  verified = 0;
  const lone = writeNumber('4', { width: 120, height: 120, jitter: 0 }).ink;
  assert.equal((await recognizeInk(lone, withVerifier)).digits, '4');
  const apart = writeNumber('47', { width: 240, height: 120, jitter: 0 }).ink;
  assert.equal((await recognizeInk(apart, withVerifier)).digits, '47');
  assert.equal(verified, 0, 'a lone digit, or digits apart, leave nothing to choose');
});

// A verifier's answer for `count` images: each one whole digit with probability oneDigit(k), shared among the
// digits as `digitShare(k, d)` says (evenly by default, an opinion that changes no reading).
function verdicts(count: number, oneDigit: (k: number) => number, digitShare: (k: number, d: number) => number = () => 0.1): Float32Array {
  const out = new Float32Array(count * VERDICT_SIZE);
  for (let k = 0; k < count; k++) {
    for (let d = 0; d < 10; d++) out[k * VERDICT_SIZE + d] = oneDigit(k) * digitShare(k, d);
    out[k * VERDICT_SIZE + 10] = 1 - oneDigit(k);
  }
  return out;
}

test("the verifier's reading weighs in on ink cut from a blob, never on a blob as it stands", async () => {
  const four = writeNumber('4', { width: 360, height: 120, jitter: 0 }).ink;
  const zeros = writeNumber('00', { width: 360, height: 120, gap: -20, jitter: 0, x: 150 }).ink; // touching
  const ink: InkMap = { ...four, data: four.data.map((v, i) => Math.max(v, zeros.data[i])) };
  const templates = new NearestTemplate();
  // a verifier sure that every candidate is one whole digit, a 3
  const sureOfThrees: DigitClassifier = {
    classify: (images, count) => templates.classify(images, count),
    classifyWithEvidence: (images, count) => templates.classifyWithEvidence(images, count),
    verify: async (images, count) => verdicts(count, () => 1, (k, d) => (d === 3 ? 1 : 0)),
  };
  assert.equal((await recognizeInk(ink, templates)).digits, '400');
  const reading = await recognizeInk(ink, sureOfThrees);
  assert.equal(reading.digits[0], '4', "the 4, a blob as it stands, is the digit model's to read");
  assert.match(reading.digits.slice(1), /^3+$/, 'the touching 0s, cut or whole, read as the verifier says');
});

test("with the pad's strokes, digits written overlapping are read as whole strokes, left to right in any drawing order", async () => {
  const place = (digits: string, step: number): Strokes =>
    [...digits].flatMap((d, i) => digitStrokes(Number(d)).map((stroke) => stroke.map(([u, v]) => [30 + i * step + u * 100, 20 + v * 100] as Point)));
  const penWidth = 9;
  const strokes = place('1234', 55); // each digit's left edge inside the one before
  const ink: InkMap = { width: 320, height: 140, data: new Float32Array(320 * 140) };
  drawStrokes(ink, strokes, [0, 0, 1, 1], penWidth);
  assert.notEqual((await recognizeInk(ink, new NearestTemplate())).digits, '1234', 'cutting the ink does not manage it');

  const { reading, images } = await recognizeStrokes(strokes, new NearestTemplate(), { box: [0, 0, 1, 1], penWidth });
  assert.equal(reading.digits, '1234');
  assert.equal(images.length, 4);
  for (let k = 1; k < 4; k++) assert.ok(reading.items[k].box[0] > reading.items[k - 1].box[0], 'items go left to right');

  // the same number written last digit first reads the same
  const backwards = [...strokes].reverse();
  assert.equal((await recognizeStrokes(backwards, new NearestTemplate(), { box: [0, 0, 1, 1], penWidth })).reading.digits, '1234');
});
