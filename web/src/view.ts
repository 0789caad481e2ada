// What the page shows of a reading: the digits, the confidence, bars for the ten probabilities of one digit,
// the 28x28 images the model saw, boxes over the pad, a status line, and a sentence for screen readers.
import type { Box } from '../../src/vision/index.ts';
import type { DigitReading } from '../../src/recognize/index.ts';

export type StatusKind = 'info' | 'unsure' | 'error';

/** Everything one update of the page needs; `digits` is '' when there is nothing to show. */
export interface Shown {
  digits: string;
  confidence: number | null;
  unsure: boolean;
  items: DigitReading[];
  images: Float32Array[]; // (28, 28) each, 0..1, white on black
  boxes: Box[]; // where each item is, in CSS pixels of the pad
  status: string;
  statusKind: StatusKind;
  spoken: string; // what a screen reader announces
}

const byId = <T extends HTMLElement>(id: string): T => {
  const element = document.getElementById(id);
  if (!element) throw new Error(`the page has no #${id}`);
  return element as T;
};

export class ResultView {
  private readonly prediction = byId<HTMLOutputElement>('prediction');
  private readonly confidence = byId('confidence');
  private readonly spoken = byId('spoken');
  private readonly reading = byId('reading');
  private readonly status = byId('status');
  private readonly bars = byId<HTMLOListElement>('bars');
  private readonly seen = byId('seen');
  private readonly overlay = byId<HTMLCanvasElement>('overlay');
  private readonly barsWhich = byId('bars-which');
  private readonly barFills: HTMLElement[] = [];
  private readonly barValues: HTMLElement[] = [];
  private readonly barRows: HTMLElement[] = [];
  private selected = 0; // which item's probabilities the bars show
  private last: Shown | null = null;

  constructor() {
    for (let digit = 0; digit < 10; digit++) {
      const row = document.createElement('li');
      row.innerHTML = `<span class="label">${digit}</span><span class="track"><span class="fill"></span></span><span class="value">–</span>`;
      this.bars.append(row);
      this.barRows.push(row);
      this.barFills.push(row.querySelector('.fill')!);
      this.barValues.push(row.querySelector('.value')!);
    }
    this.seen.addEventListener('click', (event) => {
      const index = Number((event.target as HTMLElement).dataset.index);
      if (Number.isInteger(index) && this.last) {
        this.selected = index;
        this.showBars(this.last);
        this.showSeen(this.last);
      }
    });
  }

  setStatus(text: string, kind: StatusKind = 'info'): void {
    this.status.textContent = text;
    this.status.className = `status ${kind === 'info' ? '' : kind}`;
  }

  show(shown: Shown): void {
    this.last = shown;
    this.prediction.textContent = shown.digits;
    this.confidence.textContent = shown.confidence === null ? '–' : percent(shown.confidence);
    this.confidence.dataset.value = shown.confidence === null ? '' : String(shown.confidence);
    this.reading.classList.toggle('unsure', shown.unsure);
    // Announce only when the sentence changes: live updates while drawing must not chatter.
    if (this.spoken.textContent !== shown.spoken) this.spoken.textContent = shown.spoken;
    this.setStatus(shown.status, shown.statusKind);
    // The bars follow the least confident digit: that is where a doubt lies.
    this.selected = leastConfident(shown.items);
    this.showBars(shown);
    this.showSeen(shown);
    this.drawBoxes(shown);
  }

  private showBars(shown: Shown): void {
    const item = shown.items[this.selected];
    this.barsWhich.textContent = shown.items.length > 1 ? ` of digit ${this.selected + 1} of ${shown.items.length}` : '';
    const probabilities = item?.probabilities ?? new Array<number>(10).fill(0);
    for (let digit = 0; digit < 10; digit++) {
      this.barFills[digit].style.width = `${(probabilities[digit] * 100).toFixed(1)}%`;
      this.barValues[digit].textContent = item ? percent(probabilities[digit]) : '–';
      this.barRows[digit].classList.toggle('top', item !== undefined && item.digit === digit);
      this.barRows[digit].setAttribute('aria-label', item ? `${digit}: ${percent(probabilities[digit])}` : `${digit}`);
    }
  }

  private showSeen(shown: Shown): void {
    this.seen.classList.toggle('many', shown.images.length > 3);
    // Reuse canvases: while drawing this runs several times a second.
    while (this.seen.children.length > shown.images.length) this.seen.lastChild!.remove();
    while (this.seen.children.length < shown.images.length) {
      const canvas = document.createElement('canvas');
      canvas.width = canvas.height = 28;
      this.seen.append(canvas);
    }
    shown.images.forEach((image, index) => {
      const canvas = this.seen.children[index] as HTMLCanvasElement;
      canvas.dataset.index = String(index);
      canvas.dataset.testid = 'seen';
      canvas.classList.toggle('selected', shown.images.length > 1 && index === this.selected);
      canvas.title = `digit ${index + 1}: read as ${shown.items[index]?.digit ?? '?'}`;
      const context = canvas.getContext('2d')!;
      const pixels = context.createImageData(28, 28);
      for (let i = 0; i < 784; i++) {
        const v = Math.round(image[i] * 255);
        pixels.data[i * 4] = pixels.data[i * 4 + 1] = pixels.data[i * 4 + 2] = v;
        pixels.data[i * 4 + 3] = 255;
      }
      context.putImageData(pixels, 0, 0);
    });
  }

  /** A box around each digit on the pad, with its reading above it. */
  private drawBoxes(shown: Shown): void {
    const canvas = this.overlay;
    const rect = canvas.getBoundingClientRect();
    const ratio = window.devicePixelRatio || 1;
    if (canvas.width !== Math.round(rect.width * ratio)) canvas.width = Math.round(rect.width * ratio);
    if (canvas.height !== Math.round(rect.height * ratio)) canvas.height = Math.round(rect.height * ratio);
    const context = canvas.getContext('2d')!;
    context.setTransform(1, 0, 0, 1, 0, 0);
    context.clearRect(0, 0, canvas.width, canvas.height);
    if (shown.boxes.length === 0) return;
    context.setTransform(ratio, 0, 0, ratio, 0, 0);
    const style = getComputedStyle(document.documentElement);
    const colour = style.getPropertyValue('--box').trim() || '#e11d48';
    const paper = style.getPropertyValue('--pad-bg').trim() || '#fff';
    context.strokeStyle = colour;
    context.fillStyle = colour;
    context.lineWidth = 2;
    context.font = '600 16px system-ui, sans-serif';
    context.textBaseline = 'bottom';
    const pad = 3;
    shown.boxes.forEach(([x, y, w, h]) => context.strokeRect(x - pad, y - pad, w + 2 * pad, h + 2 * pad));
    // Labels after every box, on a patch of paper, so neighbouring boxes do not cross them out.
    shown.boxes.forEach(([x, y, , h], index) => {
      const item = shown.items[index];
      if (!item) return;
      const label = `${item.digit} ${percent(item.confidence)}`;
      const bottom = y - pad - 3 < 18 ? y + h + pad + 20 : y - pad - 3; // below the box when there is no room above
      context.fillStyle = paper;
      context.fillRect(x - pad, bottom - 17, context.measureText(label).width + 4, 18);
      context.fillStyle = colour;
      context.fillText(label, x - pad + 2, bottom);
    });
  }
}

/** A probability as people read it; never "100%" or "0%", which would claim certainty the model does not have. */
export function percent(value: number): string {
  if (value >= 0.995) return '>99%';
  if (value > 0 && value < 0.005) return '<1%';
  return `${Math.round(value * 100)}%`;
}

function leastConfident(items: DigitReading[]): number {
  let index = 0;
  items.forEach((item, i) => {
    if (item.confidence < items[index].confidence) index = i;
  });
  return index;
}
