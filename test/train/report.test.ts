import test from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeReport, renderReportHtml, readChartJs } from '../../src/train/report.ts';
import type { ReportData } from '../../src/train/report.ts';
import { parseMetricsLog } from '../../src/train/report-metrics.ts';
import { evaluateProbabilities, reliabilityBins } from '../../src/train/evaluate.ts';

/** A small evaluation: 40 rows, the label's class at 0.9 except rows 5, 6 and 7, which are confidently wrong. */
function sampleData(overrides: Partial<ReportData> = {}): ReportData {
  const n = 40;
  const labels = Array.from({ length: n }, (_, i) => i % 10);
  const probabilities = new Float32Array(n * 10).fill(0.1 / 9);
  labels.forEach((label, i) => {
    const answer = i >= 5 && i <= 7 ? (label + 3) % 10 : label;
    probabilities[i * 10 + answer] = 0.9;
  });
  const evaluation = evaluateProbabilities(probabilities, labels, { mistakes: 8 });
  return {
    title: 'models/sample',
    generatedAt: '2026-01-01T00:00:00Z',
    dataSource: 'a made-up set of 40',
    evaluation,
    calibration: {
      temperature: 1.5,
      fittedOn: 'validation split',
      eceBefore: 0.05,
      eceAfter: 0.01,
      reliabilityBefore: reliabilityBins(probabilities, labels),
      reliabilityAfter: evaluation.reliability,
    },
    mistakeImages: evaluation.mistakes.map(() => new Float32Array(28 * 28).fill(0.5)),
    metrics: parseMetricsLog('{"epoch":1,"trainLoss":0.5,"valLoss":0.4,"trainAccuracy":0.9,"valAccuracy":0.92}\n'),
    robustness: [{ name: 'rotated', description: 'rotated 15-20 degrees', n: 40, accuracy: 0.875 }],
    ...overrides,
  };
}

test('the report embeds chart.js and works offline: no external scripts, styles or images', async () => {
  const chartJs = await readChartJs();
  const html = renderReportHtml(sampleData(), chartJs, []);
  assert.ok(html.includes(chartJs), 'chart.js source inlined');
  assert.ok(chartJs.length > 100_000 && chartJs.includes('Chart'));
  assert.doesNotMatch(html, /<script[^>]+src=|<link[^>]+href=|src="https?:/);
});

test('the report shows the confusion matrix values, the mistakes as PNG images and every section', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'report-'));
  try {
    const path = join(dir, 'report.html');
    const data = sampleData();
    await writeReport(path, data);
    const html = await readFile(path, 'utf8');
    for (const section of ['headline', 'confusion', 'per-class', 'mistakes', 'calibration', 'training', 'robustness']) {
      assert.match(html, new RegExp(`<section id="${section}"`), `section ${section}`);
    }
    // one image per mistake, as PNG data URLs
    assert.equal(data.evaluation.mistakes.length, 3);
    assert.equal(html.match(/<img src="data:image\/png;base64,iVBORw0KGgo/g)?.length, 3);
    // the confusion cells: true 5 read as 8 once (row 5), 36 right answers spread over the diagonal
    assert.match(html, /title="true 5, read 8: 1">1</);
    assert.match(html, /title="true 0, read 0: 4">4</);
    for (const canvas of ['reliability-before', 'reliability-after', 'training-loss', 'training-accuracy', 'robustness-chart']) {
      assert.ok(html.includes(`<canvas id="${canvas}"`), `chart ${canvas}`);
    }
    assert.match(html, /92\.50%/); // headline accuracy 37/40
    assert.deepEqual(await readdir(dir), ['report.html'], 'no temp file left behind');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('without a metrics log or robustness rows the report says so instead of drawing empty charts', () => {
  const html = renderReportHtml(sampleData({ metrics: null, robustness: null }), '', []);
  assert.doesNotMatch(html, /<canvas id="training-loss"/);
  assert.doesNotMatch(html, /<canvas id="robustness-chart"/);
  assert.match(html, /No metrics log/);
});

test('text from outside (titles, row names) is escaped, and embedded JSON cannot close its script tag', () => {
  const html = renderReportHtml(
    sampleData({ title: '<b>x</b>', robustness: [{ name: '</script><script>alert(1)</script>', description: '', n: 1, accuracy: 1 }] }),
    '',
    [],
  );
  assert.ok(!html.includes('<b>x</b>'));
  assert.ok(!html.includes('</script><script>alert(1)'));
});

test('the metrics log keeps the last line of each epoch and skips lines it cannot use', () => {
  const log = [
    '{"epoch":1,"train_loss":0.9,"val_loss":0.8,"train_acc":0.7,"val_acc":0.75}',
    'not json',
    '{"type":"batch","epoch":1,"loss":5}',
    '{"epoch":2,"trainLoss":0.5,"valLoss":0.45}',
    '{"epoch":1,"trainLoss":0.6,"valLoss":0.55,"trainAccuracy":0.8,"valAccuracy":0.85}',
    '{"epoch":3,"trainLoss":0.4,',
  ].join('\n');
  const rows = parseMetricsLog(log);
  assert.deepEqual(
    rows.map((r) => [r.epoch, r.trainLoss, r.valLoss, r.trainAccuracy, r.valAccuracy]),
    [
      [1, 0.6, 0.55, 0.8, 0.85],
      [2, 0.5, 0.45, null, null],
    ],
  );
});
