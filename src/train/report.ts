// The evaluation report: one self-contained HTML file (chart.js inlined, images as data URLs) that opens offline.
// Headline figures, the confusion matrix as a heat map, per-class scores, the most confident mistakes as
// images, reliability diagrams before and after temperature scaling, training curves and robustness rows.
import { readFile, rename, unlink, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { basename, dirname, join } from 'node:path';
import sharp from 'sharp';
import type { Evaluation, ReliabilityBin } from './evaluate.ts';
import type { EpochMetrics } from './report-metrics.ts';
import type { RobustnessRow } from './robustness.ts';

export interface ReportCalibration {
  temperature: number;
  fittedOn: string; // where T came from, e.g. 'validation split (5,000 training images)' or 'model metadata'
  eceBefore: number; // at T = 1, 0..1
  eceAfter: number; // at `temperature`
  reliabilityBefore: ReliabilityBin[];
  reliabilityAfter: ReliabilityBin[];
}

export interface ReportData {
  title: string; // what was evaluated, e.g. the model folder
  generatedAt: string; // ISO 8601
  dataSource: string; // what it was evaluated on
  evaluation: Evaluation; // on temperature-scaled probabilities
  calibration: ReportCalibration;
  mistakeImages: Float32Array[]; // (28, 28) each, 0..1 white ink on black, in the order of evaluation.mistakes
  metrics: EpochMetrics[] | null; // training curves, when the model folder has a metrics log
  robustness: RobustnessRow[] | null;
  details?: Record<string, string | number>; // extra facts shown under the headline (architecture, parameters...)
}

/** Writes the report to `path` atomically (temp file in the same folder, then rename). */
export async function writeReport(path: string, data: ReportData): Promise<void> {
  const html = renderReportHtml(data, await readChartJs(), await mistakeDataUrls(data.mistakeImages));
  const temp = join(dirname(path), `.${basename(path)}.${process.pid}.tmp`);
  try {
    await writeFile(temp, html);
    await rename(temp, path);
  } catch (error) {
    await unlink(temp).catch(() => {});
    throw error;
  }
}

/** chart.js's UMD build, to inline: the report must work with no network. */
export async function readChartJs(): Promise<string> {
  // chart.js's package exports do not list the UMD file, so find it beside the main entry
  const main = createRequire(import.meta.url).resolve('chart.js');
  const source = await readFile(join(dirname(main), 'chart.umd.js'), 'utf8');
  return source.replace(/\/\/# sourceMappingURL=\S+\s*$/, '');
}

/** Each 28x28 image as a PNG data URL (grey, white ink on black: what the model saw). */
export async function mistakeDataUrls(images: Float32Array[]): Promise<string[]> {
  return Promise.all(
    images.map(async (image) => {
      const side = Math.round(Math.sqrt(image.length));
      const grey = Buffer.alloc(image.length);
      for (let i = 0; i < image.length; i++) grey[i] = Math.round(255 * Math.min(1, Math.max(0, image[i])));
      const png = await sharp(grey, { raw: { width: side, height: side, channels: 1 } }).png().toBuffer();
      return `data:image/png;base64,${png.toString('base64')}`;
    }),
  );
}

const escapeHtml = (text: string) =>
  text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string);
const percent = (x: number, digits = 2) => `${(100 * x).toFixed(digits)}%`;
// JSON inside <script> must not contain "</script>" or "<!--": escaping every "<" rules both out.
const scriptJson = (value: unknown) => JSON.stringify(value).replace(/</g, '\\u003c');

/** The report's HTML. `chartJs` is chart.js's UMD source; `mistakeUrls` the PNG data URLs of the mistakes. */
export function renderReportHtml(data: ReportData, chartJs: string, mistakeUrls: string[]): string {
  const { evaluation: e, calibration: c } = data;
  const errors = Math.round(e.n * (1 - e.accuracy));
  const chartData = {
    reliabilityBefore: c.reliabilityBefore,
    reliabilityAfter: c.reliabilityAfter,
    temperature: c.temperature,
    metrics: data.metrics,
    robustness: data.robustness,
    cleanAccuracy: e.accuracy,
  };
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<title>Evaluation: ${escapeHtml(data.title)}</title>
<style>${STYLE}</style>
</head>
<body>
<header>
  <h1>Evaluation report <span class="muted">${escapeHtml(data.title)}</span></h1>
  <p class="muted">${escapeHtml(data.dataSource)} · generated ${escapeHtml(data.generatedAt)}</p>
</header>

<section id="headline">
  <div class="cards">
    ${card('accuracy', percent(e.accuracy), `${errors} wrong of ${e.n.toLocaleString('en-US')}`)}
    ${card('loss', e.loss.toFixed(4), 'mean cross-entropy, nats')}
    ${card('ECE', percent(c.eceAfter), `${percent(c.eceBefore)} before temperature`)}
    ${card('temperature', c.temperature.toFixed(3), escapeHtml(c.fittedOn))}
    ${
      data.robustness && data.robustness.length > 0
        ? card('worst robustness row', percent(Math.min(...data.robustness.map((r) => r.accuracy)), 1), escapeHtml(data.robustness.reduce((a, b) => (b.accuracy < a.accuracy ? b : a)).name))
        : ''
    }
  </div>
  ${data.details ? `<dl class="details">${Object.entries(data.details).map(([k, v]) => `<dt>${escapeHtml(k)}</dt><dd>${escapeHtml(String(v))}</dd>`).join('')}</dl>` : ''}
</section>

<div class="side-by-side">
<section id="confusion">
  <h2>Confusion matrix</h2>
  <p class="muted">Rows: true digit. Columns: what the model read. Green: right (shaded by recall); red: mistakes (darker = more).</p>
  ${confusionTable(e.confusion)}
</section>

<section id="per-class">
  <h2>Per class</h2>
  ${perClassTable(e)}
</section>
</div>

<section id="mistakes">
  <h2>Most confident mistakes</h2>
  <p class="muted">The ${e.mistakes.length} wrong answers the model was surest of, as the 28x28 images it saw.</p>
  <div class="mistakes">
  ${e.mistakes
    .map(
      (m, i) => `<figure class="mistake"><img src="${mistakeUrls[i] ?? ''}" width="84" height="84" alt="test image ${m.index}: a ${m.label} read as ${m.predicted}">
      <figcaption><b>${m.label}</b> read as <b class="wrong">${m.predicted}</b><br><span class="muted">${confidenceText(m.confidence)} · #${m.index}</span></figcaption></figure>`,
    )
    .join('\n  ')}
  </div>
</section>

<section id="calibration">
  <h2>Calibration</h2>
  <p class="muted">Accuracy of the answers in each confidence bin (15 equal-width bins), against the diagonal where confidence equals accuracy.
  Bars under the line are over-confident. ECE ${percent(c.eceBefore)} at T = 1, ${percent(c.eceAfter)} at T = ${c.temperature.toFixed(3)}.</p>
  <div class="pair">
    <div class="chart"><canvas id="reliability-before" aria-label="reliability diagram before temperature scaling"></canvas></div>
    <div class="chart"><canvas id="reliability-after" aria-label="reliability diagram after temperature scaling"></canvas></div>
  </div>
</section>

<section id="training">
  <h2>Training curves</h2>
  ${
    data.metrics
      ? `<div class="pair">
    <div class="chart"><canvas id="training-loss" aria-label="loss per epoch"></canvas></div>
    <div class="chart"><canvas id="training-accuracy" aria-label="accuracy per epoch"></canvas></div>
  </div>`
      : '<p class="muted">No metrics log (metrics.jsonl) beside this model.</p>'
  }
</section>

<section id="robustness">
  <h2>Robustness beyond MNIST</h2>
  ${
    data.robustness && data.robustness.length > 0
      ? `<div class="chart wide"><canvas id="robustness-chart" aria-label="accuracy per robustness row"></canvas></div>
  <table class="rows"><thead><tr><th>row</th><th>n</th><th>accuracy</th><th>what</th></tr></thead><tbody>
  ${data.robustness.map((r) => `<tr><td>${escapeHtml(r.name)}</td><td class="num">${r.n}</td><td class="num">${percent(r.accuracy, 2)}</td><td class="muted">${escapeHtml(r.description)}</td></tr>`).join('\n  ')}
  </tbody></table>`
      : '<p class="muted">Robustness rows were not measured (--no-robustness).</p>'
  }
</section>

<script type="application/json" id="report-data">${scriptJson(chartData)}</script>
<script>${chartJs}</script>
<script>${CHARTS_SCRIPT}</script>
</body>
</html>
`;
}

// Truncated, not rounded, so a 99.996% mistake does not read as a certain 100.0%.
function confidenceText(p: number): string {
  return p >= 0.99 ? `${(Math.floor(p * 10000) / 100).toFixed(2)}%` : `${(Math.floor(p * 1000) / 10).toFixed(1)}%`;
}

function card(label: string, value: string, note: string): string {
  return `<div class="card"><div class="label">${label}</div><div class="value">${value}</div><div class="muted">${note}</div></div>`;
}

function confusionTable(confusion: number[][]): string {
  const maxOff = Math.max(1, ...confusion.flatMap((row, t) => row.filter((_, p) => p !== t)));
  const header = confusion.map((_, p) => `<th>${p}</th>`).join('');
  const rows = confusion
    .map((row, t) => {
      const support = row.reduce((a, b) => a + b, 0);
      const cells = row
        .map((count, p) => {
          // diagonal: shade by recall; elsewhere: shade on a log scale so a few mistakes still show
          const alpha = p === t ? (support === 0 ? 0 : 0.15 + (0.5 * count) / support) : count === 0 ? 0 : 0.12 + 0.78 * (Math.log1p(count) / Math.log1p(maxOff));
          const kind = p === t ? 'hit' : count === 0 ? 'zero' : 'miss';
          return `<td class="${kind}" style="--alpha:${Math.min(1, alpha).toFixed(3)}" title="true ${t}, read ${p}: ${count}">${count}</td>`;
        })
        .join('');
      return `<tr><th>${t}</th>${cells}</tr>`;
    })
    .join('\n');
  return `<table class="confusion"><thead><tr><th class="corner">true \\ read</th>${header}</tr></thead><tbody>
${rows}
</tbody></table>`;
}

function perClassTable(e: Evaluation): string {
  const rows = e.perClass
    .map(
      (s) =>
        `<tr><th>${s.digit}</th><td class="num">${s.support}</td><td class="num">${percent(s.precision)}</td><td class="num">${percent(s.recall)}</td><td class="num">${s.support - e.confusion[s.digit][s.digit]}</td></tr>`,
    )
    .join('\n');
  return `<table class="rows"><thead><tr><th>digit</th><th>n</th><th>precision</th><th>recall</th><th>missed</th></tr></thead><tbody>
${rows}
</tbody></table>`;
}

const STYLE = `
:root { --bg: #ffffff; --fg: #1d2330; --muted: #667085; --line: #d0d5dd; --card: #f6f7f9;
  --hit: 22, 128, 74; --miss: 214, 48, 49; --accent: #2f6fdb; --accent2: #e07b00; --grid: rgba(0,0,0,0.08); }
@media (prefers-color-scheme: dark) {
  :root { --bg: #14171c; --fg: #e4e7ec; --muted: #98a2b3; --line: #344054; --card: #1d2229;
    --hit: 52, 192, 116; --miss: 240, 82, 82; --accent: #6ea0ff; --accent2: #ffaa44; --grid: rgba(255,255,255,0.1); }
}
* { box-sizing: border-box; }
body { margin: 0 auto; max-width: 1120px; padding: 24px; background: var(--bg); color: var(--fg);
  font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; }
h1 { font-size: 24px; margin: 0 0 4px; } h2 { font-size: 19px; margin: 32px 0 8px; }
.muted { color: var(--muted); font-weight: normal; }
.cards { display: grid; grid-template-columns: repeat(auto-fit, minmax(180px, 1fr)); gap: 12px; margin-top: 16px; }
.card { background: var(--card); border: 1px solid var(--line); border-radius: 10px; padding: 12px 14px; }
.card .label { font-size: 13px; text-transform: uppercase; letter-spacing: .04em; color: var(--muted); }
.card .value { font-size: 28px; font-weight: 650; font-variant-numeric: tabular-nums; }
.card .muted { font-size: 13px; }
.details { display: grid; grid-template-columns: max-content 1fr; gap: 2px 16px; font-size: 14px; margin: 16px 0 0; }
.details dt { color: var(--muted); } .details dd { margin: 0; }
table { border-collapse: collapse; font-variant-numeric: tabular-nums; }
.confusion td, .confusion th { width: 52px; height: 36px; text-align: center; border: 1px solid var(--line); }
.confusion th { background: var(--card); } .confusion .corner { width: 90px; font-size: 12px; color: var(--muted); }
.confusion td.hit { background: rgba(var(--hit), var(--alpha)); }
.confusion td.miss { background: rgba(var(--miss), var(--alpha)); font-weight: 600; }
.confusion td.zero { color: var(--muted); opacity: .45; }
.side-by-side { display: flex; flex-wrap: wrap; gap: 0 40px; align-items: flex-start; }
#confusion { max-width: 620px; }
.rows th, .rows td { padding: 4px 12px; border-bottom: 1px solid var(--line); text-align: left; }
.rows .num { text-align: right; }
.mistakes { display: flex; flex-wrap: wrap; gap: 12px; }
.mistake { margin: 0; width: 108px; text-align: center; font-size: 13px; white-space: nowrap; }
.mistake img { image-rendering: pixelated; width: 84px; height: 84px; border: 1px solid var(--line); border-radius: 4px; }
.wrong { color: rgb(var(--miss)); }
.pair { display: grid; grid-template-columns: repeat(auto-fit, minmax(420px, 1fr)); gap: 16px; }
.chart { position: relative; height: 300px; } .chart.wide { height: 260px; margin-bottom: 12px; }
`;

// Runs in the page: draws the charts from the embedded JSON, in the page's own colours (light or dark).
const CHARTS_SCRIPT = `
(() => {
  const data = JSON.parse(document.getElementById('report-data').textContent);
  const css = getComputedStyle(document.documentElement);
  const color = (name) => css.getPropertyValue(name).trim();
  Chart.defaults.color = color('--muted');
  Chart.defaults.borderColor = color('--grid');
  Chart.defaults.animation = false;
  Chart.defaults.font.size = 13;
  Chart.defaults.maintainAspectRatio = false;
  const pct = (x) => x === null || x === undefined ? null : 100 * x;

  function reliability(id, bins, title) {
    new Chart(document.getElementById(id), {
      data: {
        labels: bins.map((b) => ((b.lower + b.upper) / 2).toFixed(2)),
        datasets: [
          { type: 'bar', label: 'accuracy in bin', data: bins.map((b) => (b.count ? pct(b.accuracy) : null)),
            backgroundColor: color('--accent'), categoryPercentage: 1, barPercentage: 0.92 },
          { type: 'line', label: 'perfect calibration', data: bins.map((b) => pct((b.lower + b.upper) / 2)),
            borderColor: color('--fg'), borderDash: [5, 4], pointRadius: 0, borderWidth: 1.5 },
          { type: 'line', label: 'mean confidence', data: bins.map((b) => (b.count ? pct(b.confidence) : null)),
            borderColor: color('--accent2'), backgroundColor: color('--accent2'), showLine: false, pointRadius: 3 },
        ],
      },
      options: {
        plugins: { title: { display: true, text: title, color: color('--fg') },
          tooltip: { callbacks: { afterBody: (items) => 'answers in bin: ' + bins[items[0].dataIndex].count } } },
        scales: { x: { title: { display: true, text: 'confidence (bin centre)' } },
          y: { min: 0, max: 100, title: { display: true, text: 'accuracy %' } } },
      },
    });
  }
  reliability('reliability-before', data.reliabilityBefore, 'before: T = 1');
  reliability('reliability-after', data.reliabilityAfter, 'after: T = ' + data.temperature.toFixed(3));

  if (data.metrics) {
    const epochs = data.metrics.map((m) => m.epoch);
    const series = (label, key, colour, scale) => ({ label, data: data.metrics.map((m) => scale(m[key])),
      borderColor: colour, backgroundColor: colour, tension: 0.2, spanGaps: true, pointRadius: 2 });
    const same = (x) => x;
    new Chart(document.getElementById('training-loss'), {
      type: 'line',
      data: { labels: epochs, datasets: [series('train', 'trainLoss', color('--accent'), same), series('validation', 'valLoss', color('--accent2'), same)] },
      options: { plugins: { title: { display: true, text: 'loss per epoch', color: color('--fg') } },
        scales: { x: { title: { display: true, text: 'epoch' } }, y: { title: { display: true, text: 'cross-entropy' } } } },
    });
    new Chart(document.getElementById('training-accuracy'), {
      type: 'line',
      data: { labels: epochs, datasets: [series('train', 'trainAccuracy', color('--accent'), pct), series('validation', 'valAccuracy', color('--accent2'), pct)] },
      options: { plugins: { title: { display: true, text: 'accuracy per epoch', color: color('--fg') } },
        scales: { x: { title: { display: true, text: 'epoch' } }, y: { title: { display: true, text: 'accuracy %' } } } },
    });
  }

  if (data.robustness && data.robustness.length) {
    const rows = [{ name: 'MNIST test (clean)', accuracy: data.cleanAccuracy }].concat(data.robustness);
    new Chart(document.getElementById('robustness-chart'), {
      type: 'bar',
      data: { labels: rows.map((r) => r.name), datasets: [{ label: 'accuracy %', data: rows.map((r) => pct(r.accuracy)),
        backgroundColor: rows.map((_, i) => (i === 0 ? color('--muted') : color('--accent'))) }] },
      options: { indexAxis: 'y', plugins: { legend: { display: false } },
        scales: { x: { min: Math.max(0, Math.floor(Math.min(...rows.map((r) => 100 * r.accuracy)) / 10) * 10 - 10), max: 100,
          title: { display: true, text: 'accuracy %' } } } },
    });
  }
})();
`;
