// What the browser tests share: the web app built once per run, the real server on a random loopback port,
// Chromium through playwright-core, and drawing strokes on the pad with the mouse or a finger.
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import type { FastifyInstance } from 'fastify';
import { createServer } from '../../src/server/index.ts';
import type { DigitClassifier } from '../../src/recognize/index.ts';
import type { Strokes } from '../../src/vision/index.ts';
import { buildWeb } from '../../web/build.ts';

const repoRoot = resolve(fileURLToPath(new URL('../../', import.meta.url)));

export const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
/** Why the browser tests cannot run here, or null when they can. */
export const skipReason = existsSync(chromiumPath)
  ? null
  : `Chromium is not installed at ${chromiumPath} (set CHROMIUM_PATH); browser tests skipped`;

/** The model the page ships: models/default, or DIGITS_WEB_MODEL_DIR (e.g. a model just trained). */
export const modelDir = resolve(process.env.DIGITS_WEB_MODEL_DIR ?? join(repoRoot, 'models/default'));
export const hasModel = existsSync(join(modelDir, 'model.json'));

/**
 * The built app in a temporary folder named by a hash of its sources and model, so the test files of one
 * run (and later runs with nothing changed) build it once.
 */
export async function builtWeb(): Promise<string> {
  const hash = createHash('sha256');
  const inputs = [...listFiles(join(repoRoot, 'web')), ...listFiles(join(repoRoot, 'src')), ...(hasModel ? listFiles(modelDir) : [])];
  for (const file of inputs.sort()) hash.update(file).update(readFileSync(file));
  const name = `${BUILD_PREFIX}${hash.digest('hex').slice(0, 16)}`;
  const outDir = join(tmpdir(), name);
  if (existsSync(join(outDir, 'index.html'))) return outDir;
  removeStaleBuilds(name);
  return buildWeb({ outDir, modelDir });
}

const BUILD_PREFIX = 'digits-web-e2e-';

// Each change to the sources leaves a build behind (~3.5 MB). Builds untouched for an hour go; a younger one may
// belong to a run of another checkout going on now.
function removeStaleBuilds(keep: string): void {
  const hourAgo = Date.now() - 3_600_000;
  for (const name of readdirSync(tmpdir())) {
    if (!name.startsWith(BUILD_PREFIX) || name === keep) continue;
    const path = join(tmpdir(), name);
    try {
      if (statSync(path).mtimeMs < hourAgo) rmSync(path, { recursive: true, force: true });
    } catch {
      // gone already, or not ours to remove: the build goes on
    }
  }
}

function listFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? listFiles(path) : [path];
  });
}

/** The page never calls the API; the server still wants a classifier, so it gets one that is never used. */
const unusedClassifier: DigitClassifier = {
  async classify() {
    throw new Error('the web page must read digits itself, not through the API');
  },
};

export interface App {
  url: string;
  browser: Browser;
  server: FastifyInstance;
  close(): Promise<void>;
}

/** The real server (COOP/COEP headers and all) serving the built page, and a headless Chromium. */
export async function startApp(): Promise<App> {
  const webDir = await builtWeb();
  const server = await createServer({ classifier: unusedClassifier, webDir });
  await server.listen({ host: '127.0.0.1', port: 0 });
  const address = server.server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  const browser = await chromium.launch({
    executablePath: chromiumPath,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'],
  });
  return {
    url: `http://127.0.0.1:${port}/`,
    browser,
    server,
    async close() {
      await browser.close();
      await server.close();
    },
  };
}

export interface OpenPage {
  page: Page;
  context: BrowserContext;
  errors: string[]; // console errors and uncaught exceptions seen so far
}

/** A fresh page of the app, waited on until the model is loaded (data-ready="true") unless `waitReady` is false. */
export async function openApp(
  app: App,
  options: { touch?: boolean; viewport?: { width: number; height: number }; waitReady?: boolean } = {},
): Promise<OpenPage> {
  const context = await app.browser.newContext({
    viewport: options.viewport ?? { width: 1000, height: 760 },
    hasTouch: options.touch ?? false,
    isMobile: options.touch ?? false,
  });
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(`console: ${message.text()}`);
  });
  page.on('pageerror', (error) => errors.push(`page: ${error.message}`));
  await page.goto(app.url);
  if (options.waitReady ?? true) await page.waitForSelector('body[data-ready="true"]', { timeout: 15_000 });
  return { page, context, errors };
}

/** The pad's box on the page, in CSS pixels. */
export async function padBox(page: Page): Promise<{ x: number; y: number; width: number; height: number }> {
  const box = await page.getByTestId('pad').boundingBox();
  if (!box) throw new Error('the pad is not visible');
  return box;
}

/** Where a digit goes on the pad: a square of `size` (share of the pad's height) centred at (cx, cy) (shares of the pad). */
export interface Placement {
  size: number;
  cx: number;
  cy: number;
}

/** Template strokes (unit box) as page coordinates for a placement on the pad. */
export async function strokesOnPad(page: Page, strokes: Strokes, place: Placement): Promise<Strokes> {
  const pad = await padBox(page);
  const side = place.size * pad.height;
  const left = pad.x + place.cx * pad.width - side / 2;
  const top = pad.y + place.cy * pad.height - side / 2;
  return strokes.map((stroke) => stroke.map(([x, y]) => [left + x * side, top + y * side] as [number, number]));
}

/** Draws page-coordinate strokes with the mouse, each point reached in a few moves as a hand would. */
export async function drawWithMouse(page: Page, strokes: Strokes): Promise<void> {
  for (const stroke of strokes) {
    await page.mouse.move(stroke[0][0], stroke[0][1]);
    await page.mouse.down();
    for (const [x, y] of densify(stroke, 12)) await page.mouse.move(x, y);
    await page.mouse.up();
  }
}

/** Draws page-coordinate strokes with one finger, through Chromium's touch input (DevTools protocol). */
export async function drawWithTouch(page: Page, strokes: Strokes): Promise<void> {
  const cdp = await page.context().newCDPSession(page);
  try {
    for (const stroke of strokes) {
      const point = ([x, y]: [number, number]) => [{ x, y, id: 1, radiusX: 4, radiusY: 4, force: 0.5 }];
      await cdp.send('Input.dispatchTouchEvent', { type: 'touchStart', touchPoints: point(stroke[0]) });
      for (const p of densify(stroke, 12)) await cdp.send('Input.dispatchTouchEvent', { type: 'touchMove', touchPoints: point(p) });
      await cdp.send('Input.dispatchTouchEvent', { type: 'touchEnd', touchPoints: [] });
    }
  } finally {
    await cdp.detach();
  }
}

/** Draws page-coordinate strokes with a pen (stylus): mouse events that Chromium reports as pointerType 'pen'. */
export async function drawWithPen(page: Page, strokes: Strokes): Promise<void> {
  const cdp = await page.context().newCDPSession(page);
  try {
    const send = (type: 'mousePressed' | 'mouseMoved' | 'mouseReleased', [x, y]: [number, number]) =>
      cdp.send('Input.dispatchMouseEvent', { type, x, y, button: 'left', buttons: type === 'mouseReleased' ? 0 : 1, clickCount: 1, pointerType: 'pen', force: 0.5 });
    for (const stroke of strokes) {
      await send('mousePressed', stroke[0]);
      for (const p of densify(stroke, 12)) await send('mouseMoved', p);
      await send('mouseReleased', stroke[stroke.length - 1]);
    }
  } finally {
    await cdp.detach();
  }
}

/** The stroke with points at most `step` px apart (a real pointer reports often; long jumps would be one segment anyway). */
function densify(stroke: [number, number][], step: number): [number, number][] {
  const out: [number, number][] = [];
  for (let i = 1; i < stroke.length; i++) {
    const [ax, ay] = stroke[i - 1];
    const [bx, by] = stroke[i];
    const n = Math.max(1, Math.ceil(Math.hypot(bx - ax, by - ay) / step));
    for (let k = 1; k <= n; k++) out.push([ax + ((bx - ax) * k) / n, ay + ((by - ay) * k) / n]);
  }
  return out.length > 0 ? out : [stroke[0]];
}

/** Waits until the result on screen belongs to the pad as it is now (every stroke read), then gives the prediction. */
export async function settledPrediction(page: Page): Promise<string> {
  await page.waitForFunction(() => document.body.dataset.read === document.querySelector<HTMLElement>('[data-testid="pad"]')?.dataset.version, null, {
    timeout: 10_000,
  });
  return (await page.getByTestId('prediction').textContent()) ?? '';
}

export async function statusText(page: Page): Promise<string> {
  return (await page.getByTestId('status').textContent()) ?? '';
}
