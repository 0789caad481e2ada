// Image in, digits out: the one recognition path shared by the CLI, the server and the web page.
// findInk -> segmentLattice -> toMnistImage per candidate digit -> one batched classifier call (and one more for
// the redrawn ones it is unsure of; and the model's segmentation verifier, where the line offers a choice or ink
// was cut or joined) -> the best path, a Reading.
import type { RgbaImage, InkMap, Box } from '../vision/index.ts';
import { findInk, segmentLattice, strokeLattice, preprocessDigit, inkBounds, shrinkImage, MNIST_SIZE } from '../vision/index.ts';
import type { FindInkOptions, MnistOptions, Lattice, DigitCandidate, Strokes, StrokeLatticeOptions } from '../vision/index.ts';
import type { DigitClassifier, DigitReading, Reading } from './types.ts';
import { VERDICT_SIZE } from './types.ts';
import { classifyWithEvidence } from './classify.ts';

export type { Classified, DigitClassifier, DigitReading, Reading } from './types.ts';
export { VERDICT_SIZE } from './types.ts';
export { classifyWithEvidence } from './classify.ts';

export interface RecognizeOptions {
  ink?: FindInkOptions;
  mnist?: MnistOptions;
  /** Read the whole ink as one digit instead of segmenting it (the single-digit pad). Default false. */
  singleDigit?: boolean;
}

/** A Reading plus the 28x28 images the classifier saw, e.g. for the page's "what the model sees" view. */
export interface DetailedReading {
  reading: Reading;
  images: Float32Array[]; // one (28, 28) image per item, 0..1 white on black
}

const PIXELS = MNIST_SIZE * MNIST_SIZE;

// Pictures above this many pixels are shrunk by a whole factor before finding ink (a 25 MP photo is read at
// ~2 MP): digits stay tens of pixels tall, and time and memory stay bounded.
const MAX_PIXELS = 2_500_000;

/** The digits in a picture, left to right, with boxes in its pixels. */
export async function recognize(image: RgbaImage, classifier: DigitClassifier, options: RecognizeOptions = {}): Promise<Reading> {
  const factor = Math.ceil(Math.sqrt((image.width * image.height) / MAX_PIXELS));
  const { reading } = await recognizeDetailed(findInk(shrinkImage(image, factor), options.ink), classifier, options);
  if (factor > 1) for (const item of reading.items) item.box = item.box.map((v) => v * factor) as Box;
  return reading;
}

/** The digits in an ink map (a drawing pad already gives one: no need to find ink in pixels). */
export async function recognizeInk(ink: InkMap, classifier: DigitClassifier, options: RecognizeOptions = {}): Promise<Reading> {
  return (await recognizeDetailed(ink, classifier, options)).reading;
}

/**
 * `recognizeInk` that also gives the 28x28 images the classifier saw. Every plausible way of cutting the line
 * into digits (blobs whole, blobs cut where touching digits may meet, broken pieces joined: `segmentLattice`) is
 * classified in one batch, and the reading is the path through them with the best score: the model's
 * confidence in each digit, times a prior on its shape (see `candidateScore`). Shape alone cannot tell a wide 0
 * from two touching 1s; the model can.
 */
export async function recognizeDetailed(ink: InkMap, classifier: DigitClassifier, options: RecognizeOptions = {}): Promise<DetailedReading> {
  return readLattice(options.singleDigit ? wholeInk(ink) : segmentLattice(ink), classifier, options);
}

/**
 * `recognizeDetailed` for a drawing whose pen strokes are known (the pad): candidate digits are runs of whole
 * strokes (`strokeLattice`), so digits written touching or overlapping are read without cutting through ink.
 * Boxes are in ink pixels (`options.box` maps stroke points to them); items are ordered left to right.
 */
export async function recognizeStrokes(
  strokes: Strokes,
  classifier: DigitClassifier,
  options: StrokeLatticeOptions & Pick<RecognizeOptions, 'mnist'>,
): Promise<DetailedReading> {
  // one reading per candidate: a second one made the pad read worse (see SECOND_READING_BELOW); the verifier
  // learnt a picture's candidates, not runs of strokes
  const { reading, images } = await readLattice(strokeLattice(strokes, options), classifier, options, { secondReading: false, dropStrays: false, verify: false });
  // a path through strokes goes in drawing order; a reading goes left to right
  const order = reading.items.map((_, k) => k).sort((a, b) => centre(reading.items[a].box) - centre(reading.items[b].box));
  const items = order.map((k) => reading.items[k]);
  return { reading: { ...reading, digits: items.map((item) => item.digit).join(''), items }, images: order.map((k) => images[k]) };
}

const centre = (box: Box) => box[0] + box[2] / 2;

/**
 * The best reading of a lattice: every candidate classified in one batch (and, with `secondReading`, the unsure
 * ones it redrew once more as written: see `SECOND_READING_BELOW`), then the best-scoring path through it. With
 * `dropStrays`, a stray trace beside the digits is read as nothing (see `strayTraces`); with `verify`, the
 * classifier's verifier weighs in on each candidate (see VERIFIER_WEIGHT and SECOND_OPINION).
 */
async function readLattice(
  lattice: Lattice,
  classifier: DigitClassifier,
  options: Pick<RecognizeOptions, 'mnist'>,
  { secondReading = true, dropStrays = true, verify = true } = {},
): Promise<DetailedReading> {
  const digits = lattice.candidates.map((c) => (c.ink ? preprocessDigit(c.ink.ink, options.mnist) : null));
  const hasInk = (k: number) => !!digits[k] && !digits[k]!.empty;
  const strays = dropStrays ? strayTraces(lattice, hasInk) : new Set<number>(); // read as nothing, so not classified
  const classified = digits.flatMap((_, k) => (hasInk(k) && !strays.has(k) ? [k] : [])); // candidates to classify
  if (classified.length === 0) return { reading: { digits: '', confidence: 1, items: [] }, images: [] };
  const first = await classifyImages(classifier, classified.map((k) => digits[k]!.image));
  const probabilitiesOf: number[][] = []; // per candidate; undefined when it has nothing to classify
  const evidenceOf: (number | undefined)[] = [];
  classified.forEach((k, i) => [probabilitiesOf[k], evidenceOf[k]] = [first.probabilities[i], first.evidence?.[i]]);

  // Redrawing makes a 1 px pen or a marker look like MNIST, but can close the gap that tells a 4 from a 9: where
  // the model is unsure of a redrawn digit, its reading as written is averaged in.
  const unsure = secondReading ? classified.filter((k) => digits[k]!.redrawn && Math.max(...probabilitiesOf[k]) < SECOND_READING_BELOW) : [];
  const reread = unsure
    .map((k) => ({ k, asWritten: preprocessDigit(lattice.candidates[k].ink!.ink, { ...options.mnist, normalizeStroke: false }) }))
    .filter(({ asWritten }) => !asWritten.empty);
  if (reread.length > 0) {
    const second = await classifyImages(classifier, reread.map(({ asWritten }) => asWritten.image));
    reread.forEach(({ k }, i) => {
      probabilitiesOf[k] = probabilitiesOf[k].map((p, d) => (p + second.probabilities[i][d]) / 2);
      if (evidenceOf[k] !== undefined && second.evidence) evidenceOf[k] = (evidenceOf[k]! + second.evidence[i]) / 2;
    });
  }
  // The verifier's word, where the line offers a choice (more candidates than atoms) or has ink cut or joined: how
  // likely each candidate is one whole digit, added to its score, and, on candidates made by cutting or joining
  // blobs, which digit it reads (the digit model learnt whole MNIST digits, the verifier such pieces: see
  // SECOND_OPINION)
  const verdictOf: number[] = []; // per candidate, added to its score
  const choice = lattice.candidates.length > lattice.atoms;
  if (verify && classifier.verify && (choice || classified.some((k) => madeFromBlobs(lattice.candidates[k])))) {
    const batch = new Float32Array(classified.length * PIXELS);
    classified.forEach((k, i) => batch.set(digits[k]!.image, i * PIXELS));
    const verdicts = await classifier.verify(batch, classified.length); // (count, VERDICT_SIZE)
    classified.forEach((k, i) => {
      const verdict = verdicts.subarray(i * VERDICT_SIZE, (i + 1) * VERDICT_SIZE);
      if (choice) verdictOf[k] = VERIFIER_WEIGHT * Math.log(Math.max(1 - verdict[VERDICT_SIZE - 1], 1e-6));
      if (madeFromBlobs(lattice.candidates[k])) probabilitiesOf[k] = withSecondOpinion(probabilitiesOf[k], verdict);
    });
  }
  const readings: DigitReading[] = lattice.candidates.map((c, k) => {
    const p = probabilitiesOf[k];
    if (!p) return { digit: -1, confidence: 0, box: [0, 0, 0, 0], probabilities: [] };
    const digit = argmax(p);
    return { digit, confidence: p[digit], box: c.ink!.box, probabilities: p };
  });

  // best[t]: the best score of a reading of atoms [0, t); through[t]: the candidate that ends it
  const best = new Float64Array(lattice.atoms + 1).fill(-Infinity);
  const through = new Int32Array(lattice.atoms + 1).fill(-1);
  best[0] = 0;
  const ending = lattice.candidates.map((c, k) => k).sort((a, b) => lattice.candidates[a].to - lattice.candidates[b].to);
  for (const k of ending) {
    const c = lattice.candidates[k];
    const score = c.kind === 'skip' || strays.has(k) ? SKIP_SCORE : !probabilitiesOf[k] ? -Infinity : candidateScore(c, readings[k], evidenceOf[k]) + (verdictOf[k] ?? 0);
    if (best[c.from] + score > best[c.to]) {
      best[c.to] = best[c.from] + score;
      through[c.to] = k;
    }
  }
  const chosen: number[] = [];
  for (let t = lattice.atoms; t > 0 && through[t] >= 0; t = lattice.candidates[through[t]].from) {
    if (lattice.candidates[through[t]].kind !== 'skip' && !strays.has(through[t])) chosen.unshift(through[t]);
  }
  const items = chosen.map((k) => readings[k]);
  const reading: Reading = {
    digits: items.map((item) => item.digit).join(''),
    confidence: items.reduce((product, item) => product * item.confidence, 1),
    items,
  };
  return { reading, images: chosen.map((k) => digits[k]!.image) };
}

/**
 * The candidates that are a stray trace rather than a digit: a blob read whole, shorter than the line's digits,
 * whose ink per row (its ink over its height) is under STRAY_INK of the line's median digit's. Some MNIST digits
 * carry a thin dotted line beside them (a scanner's edge), which alone on the page is a slim "1"; a thin pen is
 * no such trace, as MNIST's own writers' pens differ (a stroke width threshold dropped real digits written
 * beside bold ones).
 */
function strayTraces(lattice: Lattice, hasInk: (candidate: number) => boolean): Set<number> {
  const inkPerRow = new Map<number, number>();
  lattice.candidates.forEach((c, k) => {
    if (c.kind !== 'whole' || c.to !== c.from + 1 || !c.ink || !hasInk(k)) return;
    let mass = 0;
    for (const v of c.ink.ink.data) mass += v;
    inkPerRow.set(k, mass / c.ink.box[3]);
  });
  const digitSized = [...inkPerRow].filter(([k]) => lattice.candidates[k].height >= 0.6).map(([, v]) => v).sort((a, b) => a - b);
  if (digitSized.length < 2) return new Set();
  const median = digitSized[Math.floor(digitSized.length / 2)];
  return new Set([...inkPerRow].filter(([k, v]) => v < STRAY_INK * median && lattice.candidates[k].height < STRAY_HEIGHT).map(([k]) => k));
}

/**
 * Chosen on validation numbers (MNIST training images 55,000-59,999, 1,000 per kind, seeds 7 and 8) from 0.2,
 * 0.25 and 0.3, and checked on seed 9: 4,232 -> 4,239 of 6,000 right (0.25: 4,228; 0.3: 4,196), and 2,590 ->
 * 2,592 of 3,000. Such traces had 0.09-0.2 of their digit's ink per row; thin real digits beside bold ones 0.3-0.5.
 */
const STRAY_INK = 0.2;
// Traces seen were 0.56-0.76 line heights tall; a real 1 is about one. Without this a 1 made slim by blur was
// sometimes left out (91 read 9); with it, validation numbers read 4,239 -> 4,240 of 6,000 and 2,592 of 3,000 still.
const STRAY_HEIGHT = 0.8;

/** Images classified in one batch: per image its probabilities, and its evidence when the classifier gives it. */
async function classifyImages(classifier: DigitClassifier, images: Float32Array[]): Promise<{ probabilities: number[][]; evidence: Float32Array | null }> {
  const batch = new Float32Array(images.length * PIXELS); // (count, 28, 28)
  images.forEach((image, k) => batch.set(image, k * PIXELS));
  const { probabilities, evidence } = await classifyWithEvidence(classifier, batch, images.length); // (count, 10), (count)
  return { probabilities: images.map((_, k) => Array.from(probabilities.subarray(k * 10, k * 10 + 10))), evidence };
}

/**
 * Redrawn candidates read with less confidence than this are read once more as written, and the two averaged.
 * Chosen on validation numbers (the two sets of 3,000 per kind that tuned the scoring): always reading both ways
 * gave 96.65 / 66.93 / 96.28% -> 97.05 / 67.25 / 96.75% (non-touching / touching / photo-like) but classified
 * 48% more images, which had cost the server a third of its throughput; below 0.99 confidence gives 97.05 /
 * 67.32 / 96.72% for 24% more, and a clear single digit, read sure, still costs one image. Not on the pad: its
 * pen-template numbers (seeds 5 and 9, which tuned the pad) read 5 fewer of 3,000 right with it.
 */
const SECOND_READING_BELOW = 0.99;

const SKIP_SCORE = 0; // a slice with no ink of its own adds nothing to a reading

/**
 * A candidate gains VERIFIER_WEIGHT * log p(one whole digit), the verifier's word (src/train/verifier.ts). Chosen
 * from 0.5, 1 and 2 on validation numbers by a rule written first (seeds 7 and 8, 1,000 per kind each, then seed
 * 9): 5,240 -> 5,268 of 6,000 right at 0.5 (5,256 at 1, 5,246 at 2), and 2,592 -> 2,604 of 3,000. The digit
 * model's softmax is already in the score, so a half weight is enough to tip a cut that reads as two sure digits.
 * Checked again with SECOND_OPINION in place: 0.25 and 0.75 read 5,310 and 5,304 of those 6,000 against 5,311.
 */
const VERIFIER_WEIGHT = 0.5;

/**
 * How strongly the verifier's reading of a candidate cut from a blob or joined from several is weighed in:
 * normalize(p * q^SECOND_OPINION), q its ten digits' probabilities. Chosen by rules written first on validation
 * numbers (seeds 7 and 8, 1,000 per kind each; then seed 9). On every candidate it helped touching lines and hurt
 * the rest (5,264 -> 5,287 / 5,289 / 5,294 of 6,000 at 0.25 / 0.5 / 1, non-touching -2 / -7 / -9): the digit
 * model reads whole digits better. On candidates from blobs only: 5,303 at 0.5 and 5,311 at 1 (non-touching +5,
 * touching +39, photo-like +3), and seed 9 2,608 -> 2,622 of 3,000; 1.5 gave 5,305, and 2 read fewer still.
 */
const SECOND_OPINION = 1;

// A candidate that is not a blob as it stands: a piece cut from one, blobs joined, or a blob that may be cut (the
// whole of it spans its pieces' atoms).
const madeFromBlobs = (c: DigitCandidate) => c.kind === 'cut' || c.kind === 'joined' || (c.kind === 'whole' && c.to - c.from > 1);

function withSecondOpinion(p: number[], verdict: Float32Array): number[] {
  const combined = p.map((v, d) => v * Math.pow(Math.max(verdict[d], 1e-9), SECOND_OPINION));
  const sum = combined.reduce((a, b) => a + b, 0);
  return sum > 0 ? combined.map((v) => v / sum) : p;
}

/**
 * A candidate's score on a path: log(confidence), less a penalty for being much shorter than the line's digits
 * (none down to SHORT line heights, 2 from 0.1 under it), plus, when the classifier gives it, a term for its evidence
 * (largest logit over the model's median on validation digits). The model reads slivers and stray pieces
 * confidently, so confidence alone would cut a 0 into a 6 and a 3; widths tell nothing sure (a wide 2 is as
 * wide as a 1 and a 7 that touch). And two touching digits read as one can be 100% "a 4": confidence cannot
 * tell, but its logit is quieter than a real 4's, and the evidence term then prefers the cut. Everything here
 * was tuned on numbers made of MNIST's validation digits (training images 55,000-59,999), never on the test
 * digits the benchmark uses: the evidence weights on one set of 3,000 numbers, then checked on another
 * (non-touching / touching / photo-like 96.7 / 57.3 / 95.8% -> 96.6 / 64.8 / 96.1%). When the default model
 * changed (to BatchNorm and strided convolutions), weight, par and SHORT were retuned for it on two sets of
 * 3,000 validation numbers: 96.52 / 66.95 / 96.07% (weight 2, SHORT 0.6) -> 96.65 / 66.93 / 96.28% (weight 4,
 * SHORT 0.7), the best of 60 settings by the sum of the three.
 */
function candidateScore(candidate: DigitCandidate, reading: DigitReading, evidence?: number): number {
  const short = Math.min(1, Math.max(0, (SHORT - candidate.height) / 0.1));
  const loud = evidence === undefined ? 0 : EVIDENCE_WEIGHT * (Math.min(evidence, 1) - EVIDENCE_PAR);
  return Math.log(Math.max(reading.confidence, 1e-9)) - 2 * short + loud + (candidate.prior ?? 0);
}

// A candidate gains EVIDENCE_WEIGHT * (evidence - EVIDENCE_PAR), its evidence capped at 1 (a median digit):
// below 0.7 of the median's logit it loses, so a merged pair's one quiet reading weighs less than two loud ones.
const EVIDENCE_WEIGHT = 4;
const EVIDENCE_PAR = 0.7;
const SHORT = 0.7; // in line heights: shorter candidates are penalised

// The whole ink as one digit, boxed to where the ink is.
function wholeInk(ink: InkMap): Lattice {
  const box = inkBounds(ink, 0.1);
  if (!box) return { atoms: 0, lineHeight: 0, candidates: [] };
  return { atoms: 1, lineHeight: box[3], candidates: [{ from: 0, to: 1, ink: { box, ink }, kind: 'whole', height: 1, width: box[2] / box[3] }] };
}

function argmax(values: number[]): number {
  let best = 0;
  for (let i = 1; i < values.length; i++) if (values[i] > values[best]) best = i;
  return best;
}

export interface Uncertainty {
  unsure: boolean;
  reason: 'empty' | 'too-small' | 'close-call' | 'low-confidence' | null;
  margin: number; // smallest gap between a digit's two most probable classes (1 when empty)
}

export interface UncertaintyOptions {
  minMargin?: number; // default 0.2: top-2 probabilities closer than this are a close call
  minConfidence?: number; // default 0.6
  minInkSide?: number; // default 8: a digit whose box's longer side is shorter, in input pixels, is a dot or a slip
}

/**
 * Whether the page should say "not sure" rather than a digit. The rule: nothing was read (empty); or some
 * digit's box is under `minInkSide` px on its longer side (a dot, too little ink to tell); or some digit's two
 * most probable classes are within `minMargin` of each other (a close call); or some digit's confidence is
 * below `minConfidence`. The first reason found is given.
 */
export function uncertainty(reading: Reading, options: UncertaintyOptions = {}): Uncertainty {
  const minMargin = options.minMargin ?? 0.2;
  const minConfidence = options.minConfidence ?? 0.6;
  const minInkSide = options.minInkSide ?? 8;
  if (reading.items.length === 0) return { unsure: true, reason: 'empty', margin: 1 };
  let margin = 1;
  for (const item of reading.items) {
    const sorted = [...item.probabilities].sort((a, b) => b - a);
    margin = Math.min(margin, sorted[0] - sorted[1]);
  }
  if (reading.items.some((item) => Math.max(item.box[2], item.box[3]) < minInkSide)) return { unsure: true, reason: 'too-small', margin };
  if (margin < minMargin) return { unsure: true, reason: 'close-call', margin };
  if (reading.items.some((item) => item.confidence < minConfidence)) return { unsure: true, reason: 'low-confidence', margin };
  return { unsure: false, reason: null, margin };
}

/** Shorthand for `uncertainty(reading).unsure`. */
export function isUnsure(reading: Reading, options?: UncertaintyOptions): boolean {
  return uncertainty(reading, options).unsure;
}
