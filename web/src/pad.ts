// The drawing pad: pointer strokes (mouse, touch, pen) kept as polylines in CSS pixels, drawn on a canvas
// for the eye and rendered into an InkMap for recognition with the vision part's own pen renderer.
import { drawStrokes } from '../../src/vision/index.ts';
import type { Box, InkMap, Point, Strokes } from '../../src/vision/index.ts';

/** The pad's strokes in CSS pixels, `box` mapping them to ink pixels and the pen's width there. */
export interface PadStrokes {
  strokes: Strokes;
  box: Box;
  penWidth: number;
}

export interface PadEvents {
  strokeStart(): void;
  strokeMove(): void; // while a stroke is being drawn (every pointer move)
  strokeEnd(endedAt: number): void; // performance.now() when the pen lifted
}

// The ink map is at most this many pixels on its long side: enough detail for a 28x28 result, cheap to segment.
const MAX_INK_SIDE = 640;

export class DrawingPad {
  readonly canvas: HTMLCanvasElement;
  private readonly context: CanvasRenderingContext2D;
  private strokes: Strokes = []; // finished strokes, in CSS pixels of the pad
  private current: Point[] | null = null;
  private pointerId: number | null = null;
  private cssWidth = 0;
  private cssHeight = 0;
  private image: ImageBitmap | null = null; // an uploaded picture shown instead of strokes
  private changes = 0; // counts finished changes (stroke ended, undo, clear, picture), mirrored in data-version
  private inkColour = '#111';

  constructor(canvas: HTMLCanvasElement, private readonly events: PadEvents) {
    this.canvas = canvas;
    const context = canvas.getContext('2d');
    if (!context) throw new Error('this browser cannot draw on a canvas');
    this.context = context;
    canvas.dataset.version = '0';
    canvas.addEventListener('pointerdown', (e) => this.down(e));
    canvas.addEventListener('pointermove', (e) => this.move(e));
    canvas.addEventListener('pointerup', (e) => this.up(e));
    canvas.addEventListener('pointercancel', (e) => this.up(e));
    canvas.addEventListener('contextmenu', (e) => e.preventDefault());
    new ResizeObserver(() => this.resize()).observe(canvas);
    // The pen follows the colour scheme (dark ink on light, light ink on dark).
    matchMedia('(prefers-color-scheme: dark)').addEventListener('change', () => this.resize());
    this.resize();
  }

  /** Bumped by every finished change: tests and the page compare it with the version last read. */
  get version(): number {
    return this.changes;
  }

  private changed(): void {
    this.changes++;
    this.canvas.dataset.version = String(this.changes);
  }

  /** Pen diameter in CSS pixels: about a twentieth of the pad's height, like a marker on a sheet. */
  get penWidth(): number {
    return Math.min(24, Math.max(8, Math.round(0.05 * Math.min(this.cssWidth, this.cssHeight))));
  }

  get size(): { width: number; height: number } {
    return { width: this.cssWidth, height: this.cssHeight };
  }

  get isEmpty(): boolean {
    return this.strokes.length === 0 && this.current === null && this.image === null;
  }

  get strokeCount(): number {
    return this.strokes.length;
  }

  get showsImage(): boolean {
    return this.image !== null;
  }

  clear(): void {
    this.strokes = [];
    this.current = null;
    this.pointerId = null;
    this.image?.close();
    this.image = null;
    this.changed();
    this.redraw();
  }

  /** Removes the last stroke; false when there was none. */
  undo(): boolean {
    if (this.strokes.length === 0) return false;
    this.strokes.pop();
    this.changed();
    this.redraw();
    return true;
  }

  /** Shows a picture on the pad (fitted, centred) in place of any drawing. */
  showImage(image: ImageBitmap): void {
    this.clear();
    this.image = image;
    this.changed();
    this.redraw();
  }

  /** Where an image of `width` x `height` is drawn on the pad: scale and offset in CSS pixels. */
  imagePlacement(width: number, height: number): { scale: number; x: number; y: number } {
    const scale = Math.min(this.cssWidth / width, this.cssHeight / height);
    return { scale, x: (this.cssWidth - width * scale) / 2, y: (this.cssHeight - height * scale) / 2 };
  }

  /**
   * The drawing as ink (0 paper .. 1 ink), including a stroke in progress, and `scale`: ink pixels per CSS pixel;
   * also the strokes themselves, mapped to the ink's pixels, for reading digits as runs of whole strokes.
   * The pad's own renderer draws the same strokes the eye sees, so no canvas read-back (and no colour guessing).
   */
  ink(): { ink: InkMap; scale: number; strokes: PadStrokes } {
    const scale = Math.min(1, MAX_INK_SIDE / Math.max(1, this.cssWidth, this.cssHeight));
    const width = Math.max(1, Math.round(this.cssWidth * scale));
    const height = Math.max(1, Math.round(this.cssHeight * scale));
    const ink: InkMap = { width, height, data: new Float32Array(width * height) };
    const strokes = this.current ? [...this.strokes, this.current] : this.strokes;
    // box [0, 0, scale, scale] maps CSS pixels to ink pixels (strokes are "unit box" points to drawStrokes)
    if (strokes.length > 0) drawStrokes(ink, strokes, [0, 0, scale, scale], this.penWidth * scale);
    return { ink, scale, strokes: { strokes, box: [0, 0, scale, scale], penWidth: this.penWidth * scale } };
  }

  private down(event: PointerEvent): void {
    if (this.pointerId !== null || (event.pointerType === 'mouse' && event.button !== 0)) return;
    event.preventDefault();
    if (this.image) this.clear(); // drawing after an upload starts a new drawing
    this.pointerId = event.pointerId;
    this.canvas.setPointerCapture?.(event.pointerId);
    this.current = [this.point(event)];
    this.redraw();
    this.events.strokeStart();
  }

  private move(event: PointerEvent): void {
    if (event.pointerId !== this.pointerId || !this.current) return;
    event.preventDefault();
    // Coalesced events keep fast pen and finger strokes smooth (several samples per frame).
    const samples = event.getCoalescedEvents?.() ?? [];
    for (const sample of samples.length > 0 ? samples : [event]) this.current.push(this.point(sample));
    this.redraw();
    this.events.strokeMove();
  }

  private up(event: PointerEvent): void {
    if (event.pointerId !== this.pointerId || !this.current) return;
    const endedAt = performance.now();
    this.current.push(this.point(event));
    this.strokes.push(this.current);
    this.current = null;
    this.pointerId = null;
    this.changed();
    this.redraw();
    this.events.strokeEnd(endedAt);
  }

  private point(event: PointerEvent): Point {
    const rect = this.canvas.getBoundingClientRect();
    return [event.clientX - rect.left, event.clientY - rect.top];
  }

  private resize(): void {
    const rect = this.canvas.getBoundingClientRect();
    if (rect.width === 0 || rect.height === 0) return;
    const ratio = window.devicePixelRatio || 1;
    this.cssWidth = rect.width;
    this.cssHeight = rect.height;
    this.canvas.width = Math.round(rect.width * ratio);
    this.canvas.height = Math.round(rect.height * ratio);
    this.inkColour = getComputedStyle(this.canvas).getPropertyValue('--ink').trim() || '#111';
    this.redraw();
  }

  private redraw(): void {
    const ctx = this.context;
    const ratio = this.canvas.width / Math.max(1, this.cssWidth);
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    ctx.clearRect(0, 0, this.canvas.width, this.canvas.height);
    ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
    if (this.image) {
      const { scale, x, y } = this.imagePlacement(this.image.width, this.image.height);
      ctx.drawImage(this.image, x, y, this.image.width * scale, this.image.height * scale);
      return;
    }
    ctx.strokeStyle = ctx.fillStyle = this.inkColour;
    ctx.lineWidth = this.penWidth;
    ctx.lineCap = 'round';
    ctx.lineJoin = 'round';
    const strokes = this.current ? [...this.strokes, this.current] : this.strokes;
    for (const stroke of strokes) {
      if (stroke.length === 1 || stroke.every(([x, y]) => x === stroke[0][0] && y === stroke[0][1])) {
        ctx.beginPath();
        ctx.arc(stroke[0][0], stroke[0][1], this.penWidth / 2, 0, 2 * Math.PI);
        ctx.fill();
        continue;
      }
      ctx.beginPath();
      ctx.moveTo(stroke[0][0], stroke[0][1]);
      for (let i = 1; i < stroke.length; i++) ctx.lineTo(stroke[i][0], stroke[i][1]);
      ctx.stroke();
    }
  }
}
