// The drawing app: wires the pad, the upload and the keys to one recognition path (src/recognize; drawings
// on the main thread, photos in a worker, see reader.ts) and shows the result. Readings run in the browser;
// the server only delivers the page and the model files.
import type { Box } from '../../src/vision/index.ts';
import { MODEL_URL } from './classifier-url.ts';
import { loadClassifier } from './classifier.ts';
import { mainThreadReader, startWorkerReader } from './reader.ts';
import type { Reader, ReadResult } from './reader.ts';
import { DrawingPad } from './pad.ts';
import { ResultView } from './view.ts';
import { decodeUpload, UploadError } from './upload.ts';

/** Timings the benchmark and tests read: one entry per reading, in milliseconds. */
export interface ReadingTiming {
  kind: 'stroke' | 'live' | 'button' | 'upload';
  ms: number; // from the trigger (pen lifted, button pressed, file chosen) to the page showing the result
  recognizeMs: number; // the recognition itself: segmentation, preprocessing and the model
  where: Reader['where']; // the thread that read it
}
declare global {
  interface Window {
    __digitsTimings: ReadingTiming[];
    __digitsReady?: { ms: number; backend: string } | { error: string };
  }
}
window.__digitsTimings = [];

const view = new ResultView();
const recognizeButton = document.getElementById('recognize') as HTMLButtonElement;
const undoButton = document.getElementById('undo') as HTMLButtonElement;
const clearButton = document.getElementById('clear') as HTMLButtonElement;
const uploadInput = document.getElementById('upload') as HTMLInputElement;
const padFrame = document.getElementById('pad-frame') as HTMLElement;

const modelUrl = new URL(MODEL_URL, document.baseURI).href;
let loaded: Reader | null = null; // reads the pad
let photoReader: Promise<Reader> | null = null; // reads uploads; started with the first one
let loadError: string | null = null;

// One reading at a time; a request arriving meanwhile is kept (the latest one) and run right after.
let busy = false;
let queued: { kind: ReadingTiming['kind']; startedAt: number } | null = null;
let lastLive = 0;
const LIVE_INTERVAL_MS = 120; // while a stroke is drawn, read at most this often

const pad = new DrawingPad(document.getElementById('pad') as HTMLCanvasElement, {
  strokeStart() {
    lastLive = performance.now();
  },
  strokeMove() {
    const now = performance.now();
    if (!busy && now - lastLive >= LIVE_INTERVAL_MS) {
      lastLive = now;
      void readPad('live', now);
    }
  },
  strokeEnd(endedAt) {
    updateButtons();
    void readPad('stroke', endedAt);
  },
});

async function readPad(kind: ReadingTiming['kind'], startedAt: number): Promise<void> {
  if (pad.showsImage) return;
  if (!loaded) {
    if (kind === 'button') view.setStatus(loadError ? modelErrorText(loadError) : 'The model is still loading…', loadError ? 'error' : 'info');
    return;
  }
  if (busy) {
    if (kind !== 'live') queued = { kind, startedAt };
    return;
  }
  busy = true;
  try {
    const version = pad.version;
    const { ink, scale, strokes } = pad.ink();
    const options = { source: 'pad', minInkSide: Math.max(8, 0.1 * Math.min(ink.width, ink.height)), asked: kind === 'button' } as const;
    const result = await loaded.read({ kind: 'ink', ink, strokes, options });
    if (pad.showsImage) return; // an upload arrived meanwhile: it has the pad now
    show(result, (box) => box.map((v) => v / scale) as Box);
    markRead(version);
    window.__digitsTimings.push({ kind, ms: performance.now() - startedAt, recognizeMs: result.recognizeMs, where: loaded.where });
  } catch (error) {
    reportFailure(error);
  } finally {
    busy = false;
    const next = queued;
    queued = null;
    if (next) void readPad(next.kind, next.startedAt);
  }
}

function show({ reading, images, description }: ReadResult, toPad: (box: Box) => Box): void {
  const readable = description.digits !== '';
  view.show({
    ...description,
    items: readable ? reading.items : [],
    images: readable ? images : [],
    boxes: readable ? reading.items.map((item) => toPad(item.box)) : [],
  });
}

async function readUpload(file: File): Promise<void> {
  const startedAt = performance.now();
  if (!loaded) {
    view.setStatus(loadError ? modelErrorText(loadError) : 'The model is still loading: try again in a moment.', loadError ? 'error' : 'info');
    return;
  }
  document.body.dataset.read = 'upload'; // what is on screen no longer belongs to the pad's current state
  view.setStatus(`Reading "${file.name}"…`);
  try {
    const upload = await decodeUpload(file);
    pad.showImage(upload.bitmap);
    const version = pad.version;
    updateButtons();
    // Let the page paint the picture before the reading starts (on the main thread when there is no worker).
    await new Promise((resolve) => requestAnimationFrame(() => setTimeout(resolve, 0)));
    photoReader ??= startWorkerReader(modelUrl, loaded);
    const reader = await photoReader;
    const { readWidth: width, readHeight: height } = upload;
    const result = await reader.read({ kind: 'file', file, width, height, options: { source: 'image', minInkSide: 8, asked: true } });
    if (pad.version !== version) return; // drawn on or cleared meanwhile
    const place = pad.imagePlacement(upload.bitmap.width, upload.bitmap.height);
    const factor = place.scale / upload.scale; // CSS pixels per read pixel
    show(result, ([x, y, w, h]) => [place.x + x * factor, place.y + y * factor, w * factor, h * factor]);
    markRead(version);
    window.__digitsTimings.push({ kind: 'upload', ms: performance.now() - startedAt, recognizeMs: result.recognizeMs, where: reader.where });
  } catch (error) {
    if (error instanceof UploadError) {
      view.show({ digits: '', confidence: null, unsure: true, items: [], images: [], boxes: [], status: error.message, statusKind: 'error', spoken: error.message });
    } else {
      reportFailure(error);
    }
  } finally {
    if (document.body.dataset.read === 'upload') markRead(pad.version);
    uploadInput.value = ''; // choosing the same file again reads it again
  }
}

/** Tells tests (and anyone curious) which state of the pad the result on screen belongs to. */
function markRead(version: number): void {
  document.body.dataset.read = String(version);
}

function reportFailure(error: unknown): void {
  const message = error instanceof Error ? error.message : String(error);
  console.warn('digits: reading failed', error);
  view.setStatus(`Something went wrong while reading: ${message}`, 'error');
}

function modelErrorText(error: string): string {
  return `The model could not be loaded, so nothing can be read: ${error}. Reload the page to try again.`;
}

function clearPad(): void {
  pad.clear();
  queued = null;
  updateButtons();
  markRead(pad.version);
  view.show({ digits: '', confidence: null, unsure: false, items: [], images: [], boxes: [], status: loaded ? 'Draw a digit, or a whole number.' : (loadError ? modelErrorText(loadError) : 'Loading the model…'), statusKind: loadError ? 'error' : 'info', spoken: 'Cleared.' });
}

function undoStroke(): void {
  if (pad.showsImage) return clearPad();
  if (!pad.undo()) return;
  updateButtons();
  void readPad('stroke', performance.now());
}

function updateButtons(): void {
  undoButton.disabled = pad.strokeCount === 0 && !pad.showsImage;
}

recognizeButton.addEventListener('click', () => {
  if (pad.showsImage) return; // an upload is read as soon as it is chosen
  void readPad('button', performance.now());
});
undoButton.addEventListener('click', undoStroke);
clearButton.addEventListener('click', clearPad);
uploadInput.addEventListener('change', () => {
  const file = uploadInput.files?.[0];
  if (file) void readUpload(file);
});

document.addEventListener('keydown', (event) => {
  const inControl = event.target instanceof HTMLButtonElement || event.target instanceof HTMLInputElement;
  if (event.key === 'Escape') {
    event.preventDefault();
    clearPad();
  } else if ((event.ctrlKey || event.metaKey) && !event.shiftKey && event.key.toLowerCase() === 'z') {
    event.preventDefault();
    undoStroke();
  } else if (event.key === 'Enter' && !inControl) {
    event.preventDefault();
    void readPad('button', performance.now());
  }
});

// Drag and drop: onto the pad reads the image; anywhere else must not make the browser open the file instead.
for (const type of ['dragover', 'drop'] as const) window.addEventListener(type, (event) => event.preventDefault());
padFrame.addEventListener('dragenter', () => padFrame.classList.add('dragging'));
padFrame.addEventListener('dragleave', (event) => {
  if (!padFrame.contains(event.relatedTarget as Node | null)) padFrame.classList.remove('dragging');
});
padFrame.addEventListener('drop', (event) => {
  padFrame.classList.remove('dragging');
  const file = event.dataTransfer?.files?.[0];
  if (file) void readUpload(file);
  else view.setStatus('Nothing to read was dropped: drop an image file.', 'error');
});

updateButtons();
loadClassifier(modelUrl).then(
  (classifier) => {
    loaded = mainThreadReader(classifier);
    window.__digitsReady = { ms: performance.now(), backend: classifier.backend };
    document.body.dataset.ready = 'true';
    document.body.dataset.backend = classifier.backend;
    if (pad.isEmpty) view.setStatus('Draw a digit, or a whole number.');
    else void readPad('button', performance.now());
  },
  (error: unknown) => {
    loadError = error instanceof Error ? error.message : String(error);
    window.__digitsReady = { error: loadError };
    document.body.dataset.ready = 'error';
    recognizeButton.disabled = true;
    view.setStatus(modelErrorText(loadError), 'error');
    console.warn('digits:', loadError);
  },
);
