// npm run bench:plot [-- --in bench/results/latest.json --out bench/results/latest.png]
// Draws the end-to-end rows of a bench result as a PNG: CPU time per push (the primary
// figure, with the lowest and highest round as a whisker), req/s and p99 latency per server
// (medians), one bar each, floors in grey, rbmkit in blue. An SVG in a page, screenshot by
// the system's Chromium through playwright-core (CHROMIUM_PATH, else `chromium` on PATH); no
// network is used.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { chromium } from 'playwright-core';

interface Row {
  readonly id?: string;
  readonly server: string;
  readonly cpuUsPerPush?: number;
  readonly cpuSpread?: readonly [number, number];
  readonly pipelining: number;
  readonly rps: number;
  readonly p99: number;
}

const { values } = parseArgs({
  options: {
    in: { type: 'string', default: 'bench/results/latest.json' },
    out: { type: 'string', default: 'bench/results/latest.png' },
  },
});
const result = JSON.parse(readFileSync(values.in!, 'utf8')) as { machine: string; at?: string; rows: Row[] };
if (result.rows.length === 0) throw new Error(`${values.in}: expected end-to-end rows to plot, found none (a --only-memory run?)`);

const escape = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const BASELINES = new Set(['node', 'koa', 'express']);
const colour = (row: Row) => (row.server.startsWith('floor') ? '#8a8f98' : BASELINES.has(row.id ?? '') ? '#c9cdd4' : '#2f6fdf');
const label = (row: Row) => `${row.server}${new Set(result.rows.map((r) => r.pipelining)).size > 1 ? ` (p${row.pipelining})` : ''}`;

const ROW = 26;
const LABEL = 470;
const BAR = 300;
const TOP = 58;

/** One panel of horizontal bars: `value` of each row, scaled to the largest, with an optional whisker from lowest to highest. */
function panel(x: number, title: string, value: (row: Row) => number, unit: string, whisker?: (row: Row) => readonly [number, number] | undefined): string {
  const max = Math.max(...result.rows.map((row) => Math.max(value(row), whisker?.(row)?.[1] ?? 0)), 1);
  const scale = (v: number) => (BAR * v) / max;
  const bars = result.rows.map((row, i) => {
    const y = TOP + i * ROW;
    const width = Math.max(1, scale(value(row)));
    const range = whisker?.(row);
    const line =
      range === undefined ? '' : `<line x1="${(x + scale(range[0])).toFixed(1)}" x2="${(x + scale(range[1])).toFixed(1)}" y1="${y + (ROW - 8) / 2}" y2="${y + (ROW - 8) / 2}" stroke="#111" stroke-width="1.5"/>`;
    const end = x + Math.max(width, range === undefined ? 0 : scale(range[1]));
    return `<rect x="${x}" y="${y}" width="${width.toFixed(1)}" height="${ROW - 8}" fill="${colour(row)}"/>${line}
<text x="${end + 6}" y="${y + ROW - 13}" font-size="12">${value(row).toLocaleString('en', { maximumFractionDigits: 0 })}${unit}</text>`;
  });
  return `<text x="${x}" y="${TOP - 14}" font-size="14" font-weight="bold">${escape(title)}</text>${bars.join('\n')}`;
}

const labels = result.rows.map((row, i) => `<text x="${LABEL - 10}" y="${TOP + i * ROW + ROW - 13}" font-size="12" text-anchor="end">${escape(label(row))}</text>`);
const width = LABEL + 3 * (BAR + 90) + 20;
const height = TOP + result.rows.length * ROW + 40;
const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="DejaVu Sans, Arial, sans-serif">
<rect width="100%" height="100%" fill="white"/>
<text x="12" y="22" font-size="15" font-weight="bold">rbmkit against its floors: median of alternating rounds</text>
${labels.join('\n')}
${panel(LABEL, 'CPU us per push (lower is better)', (r) => r.cpuUsPerPush ?? 0, ' us', (r) => r.cpuSpread)}
${panel(LABEL + BAR + 90, 'most req/s (higher is better)', (r) => r.rps, '')}
${panel(LABEL + 2 * (BAR + 90), 'p99 ms at the fixed rate (lower is better)', (r) => r.p99, ' ms')}
<text x="12" y="${height - 12}" font-size="11" fill="#555">${escape(`${result.at ?? ''} ${result.machine}. Dark grey: the hand-written floors (on node:http, and on Koa + router + bodyparser); light grey: verify-only baselines; blue: rbmkit.`)}</text>
</svg>`;

function chromiumPath(): string {
  if (process.env.CHROMIUM_PATH !== undefined) return process.env.CHROMIUM_PATH;
  try {
    return execFileSync('which', ['chromium'], { encoding: 'utf8' }).trim();
  } catch {
    console.error('bench:plot: expected a `chromium` command on PATH (Debian: apt-get install chromium), or CHROMIUM_PATH naming one');
    process.exit(1);
  }
}
const executablePath = chromiumPath();
const browser = await chromium.launch({
  executablePath,
  args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
});
try {
  const page = await browser.newPage({ viewport: { width, height } });
  await page.setContent(`<!doctype html><html><body style="margin:0">${svg}</body></html>`);
  await page.screenshot({ path: values.out!, clip: { x: 0, y: 0, width, height } });
  console.log(`bench:plot: ${values.out}`);
} finally {
  await browser.close();
}
