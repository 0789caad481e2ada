// What the server tests share: a fake classifier whose answers the tests can predict, and pages of drawn digits.
import sharp from 'sharp';
import type { Sharp } from 'sharp';
import { digitStrokes, drawStrokes } from '../../src/vision/index.ts';
import type { Box, InkMap } from '../../src/vision/index.ts';
import type { DigitClassifier } from '../../src/recognize/types.ts';

/**
 * Answers digit = (total ink of the 28x28 image, rounded) mod 10, with confidence 0.991.
 * So a test knows what a ready 28x28 input must read as, and can tell whether it was altered on the way. Sure
 * enough (0.99 or more) that recognition reads each digit once, not once more as written.
 */
export function inkCountingClassifier(): DigitClassifier & { calls: number; images: number } {
  const fake = {
    calls: 0,
    images: 0,
    async classify(images: Float32Array, count: number): Promise<Float32Array> {
      fake.calls++;
      fake.images += count;
      const out = new Float32Array(count * 10).fill(0.001);
      for (let n = 0; n < count; n++) {
        let ink = 0;
        for (let i = 0; i < 784; i++) ink += images[n * 784 + i];
        out[n * 10 + (Math.round(ink) % 10)] = 0.991;
      }
      return out;
    },
  };
  return fake;
}

/** An InkMap page with `digits` drawn side by side, each in a box of `size` px, `gap` px apart, `margin` px around. */
export function drawNumber(digits: string, size = 60, gap = 20, margin = 30): { ink: InkMap; boxes: Box[] } {
  const width = margin * 2 + digits.length * size + (digits.length - 1) * gap;
  const height = margin * 2 + size;
  const ink: InkMap = { width, height, data: new Float32Array(width * height) };
  const boxes: Box[] = [];
  [...digits].forEach((d, i) => {
    const box: Box = [margin + i * (size + gap) + size * 0.15, margin, size * 0.7, size];
    drawStrokes(ink, digitStrokes(Number(d)), box, size / 10);
    boxes.push(box);
  });
  return { ink, boxes };
}

/** Dark blue ink on white paper, as a sharp pipeline ready to encode. */
export function inkToPaper(ink: InkMap): Sharp {
  const rgb = Buffer.alloc(ink.width * ink.height * 3);
  for (let i = 0; i < ink.data.length; i++) {
    const a = ink.data[i];
    rgb[i * 3] = Math.round(255 - a * 235);
    rgb[i * 3 + 1] = Math.round(255 - a * 225);
    rgb[i * 3 + 2] = Math.round(255 - a * 140);
  }
  return sharp(rgb, { raw: { width: ink.width, height: ink.height, channels: 3 } });
}

export function numberPng(digits: string): Promise<Buffer> {
  return inkToPaper(drawNumber(digits).ink).png().toBuffer();
}

/** A 28x28 MNIST-style digit as JSON pixels (0-255) with exactly `fullPixels` pixels at 255. */
export function pixelsWithInk(fullPixels: number): number[] {
  const pixels = new Array<number>(784).fill(0);
  for (let i = 0; i < fullPixels; i++) pixels[300 + i] = 255;
  return pixels;
}

/** A multipart/form-data body with one file field. */
export function multipartBody(field: string, filename: string, type: string, bytes: Buffer) {
  const boundary = '----digits-test-boundary';
  const payload = Buffer.concat([
    Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${field}"; filename="${filename}"\r\nContent-Type: ${type}\r\n\r\n`),
    bytes,
    Buffer.from(`\r\n--${boundary}--\r\n`),
  ]);
  return { payload, headers: { 'content-type': `multipart/form-data; boundary=${boundary}` } };
}
