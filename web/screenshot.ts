// `tsx web/screenshot.ts [file]`: the app in Chromium with a handwritten number drawn and read, saved as
// docs/screenshot.png (the README's picture). Uses the shipped model (or DIGITS_WEB_MODEL_DIR).
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { digitStrokes, jitterStrokes, seededRandom } from '../src/vision/index.ts';
import { drawWithMouse, openApp, settledPrediction, skipReason, startApp, strokesOnPad } from '../test/e2e/helpers.ts';

export async function takeScreenshot(file: string, number = '2026'): Promise<string> {
  if (skipReason) throw new Error(skipReason);
  const app = await startApp();
  try {
    const { page, context } = await openApp(app, { viewport: { width: 1040, height: 720 } });
    const rng = seededRandom(2026);
    for (const [i, d] of [...number].entries()) {
      const strokes = jitterStrokes(digitStrokes(Number(d)), rng, 0.8);
      await drawWithMouse(page, await strokesOnPad(page, strokes, { size: 0.58, cx: 0.2 + i * (0.6 / (number.length - 1)), cy: 0.5 }));
    }
    const read = await settledPrediction(page);
    await page.waitForTimeout(300); // the bars' short transition ends
    await page.screenshot({ path: file });
    await context.close();
    return read;
  } finally {
    await app.close();
  }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const file = resolve(process.argv[2] ?? fileURLToPath(new URL('../docs/screenshot.png', import.meta.url)));
  takeScreenshot(file).then(
    (read) => console.log(`saved ${file} (the page read '${read}')`),
    (error: unknown) => {
      console.error(`screenshot failed: ${error instanceof Error ? error.message : String(error)}`);
      process.exit(1);
    },
  );
}
