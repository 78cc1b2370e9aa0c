// An endpoint's health over time, drawn as inline SVG: per hourly bucket, a bar for the success
// rate (coloured by how healthy it is) and, below it, a line for the median latency.

import { h, s } from './dom.js';
import { NO_VALUE, formatDuration, formatHour, formatPercent } from './format.js';

const BAR_WIDTH = 10;
const RATE_HEIGHT = 40;
const GAP = 4;
const LATENCY_HEIGHT = 20;

/**
 * @param {{start: string, success: number, fail: number, p50Ms?: number | null}[] | undefined} series
 * @param {{large?: boolean}} options
 */
export function healthChart(series, { large = false } = {}) {
  const buckets = Array.isArray(series) ? series.filter((bucket) => bucket && typeof bucket === 'object') : [];
  const sent = buckets.reduce((sum, bucket) => sum + count(bucket.success) + count(bucket.fail), 0);
  if (buckets.length === 0 || sent === 0) {
    return h('div', { class: `chart chart-empty${large ? ' chart-large' : ''}`, testid: 'health-chart-no-data' }, 'No data');
  }
  const width = buckets.length * BAR_WIDTH;
  const height = RATE_HEIGHT + GAP + LATENCY_HEIGHT;
  const latencies = buckets.map((bucket) => (typeof bucket.p50Ms === 'number' && Number.isFinite(bucket.p50Ms) ? bucket.p50Ms : null));
  const slowest = Math.max(1, ...latencies.filter((value) => value !== null));

  const bars = buckets.map((bucket, index) => {
    const total = count(bucket.success) + count(bucket.fail);
    const x = index * BAR_WIDTH + 1;
    const label = `${formatHour(bucket.start)}: ${total === 0 ? 'no attempts' : `${formatPercent(count(bucket.success) / total)} of ${total} (${count(bucket.fail)} failed)`}, p50 ${formatDuration(latencies[index] ?? undefined)}`;
    if (total === 0) {
      return s('rect', { x, y: RATE_HEIGHT - 1, width: BAR_WIDTH - 2, height: 1, class: 'bar-idle' }, s('title', {}, label));
    }
    const rate = count(bucket.success) / total;
    const barHeight = Math.max(2, rate * RATE_HEIGHT);
    return s(
      'g',
      {},
      s('rect', { x, y: 0, width: BAR_WIDTH - 2, height: RATE_HEIGHT, class: 'bar-track' }),
      s('rect', { x, y: RATE_HEIGHT - barHeight, width: BAR_WIDTH - 2, height: barHeight, class: `bar ${healthClass(rate)}` }),
      s('title', {}, label),
    );
  });

  const points = latencies
    .map((value, index) => (value === null ? null : `${index * BAR_WIDTH + BAR_WIDTH / 2},${RATE_HEIGHT + GAP + LATENCY_HEIGHT - (value / slowest) * (LATENCY_HEIGHT - 2) - 1}`))
    .filter(Boolean);
  const latencyLine = points.length > 1 ? s('polyline', { points: points.join(' '), class: 'latency-line', 'vector-effect': 'non-scaling-stroke' }) : null;
  const latencyDots = points.length === 1 ? s('circle', { cx: points[0].split(',')[0], cy: points[0].split(',')[1], r: 1.5, class: 'latency-dot' }) : null;

  const overall = buckets.reduce((sum, bucket) => sum + count(bucket.success), 0) / sent;
  return h(
    'figure',
    { class: `chart${large ? ' chart-large' : ''}`, testid: 'health-chart' },
    s(
      'svg',
      {
        viewBox: `0 0 ${width} ${height}`,
        preserveAspectRatio: 'none',
        role: 'img',
        'aria-label': `Success rate ${formatPercent(overall)} over ${buckets.length} hours; slowest median latency ${formatDuration(slowest)}`,
      },
      s('line', { x1: 0, x2: width, y1: RATE_HEIGHT + GAP / 2, y2: RATE_HEIGHT + GAP / 2, class: 'chart-rule', 'vector-effect': 'non-scaling-stroke' }),
      bars,
      latencyLine,
      latencyDots,
    ),
    h(
      'figcaption',
      { class: 'chart-caption' },
      h('span', {}, formatHour(buckets[0].start)),
      h('span', { class: 'chart-legend' }, h('span', { class: 'legend-rate' }, 'success rate'), ' · ', h('span', { class: 'legend-latency' }, `p50 latency (max ${formatDuration(slowest)})`)),
      h('span', {}, formatHour(buckets[buckets.length - 1].start)),
    ),
  );
}

export function healthClass(rate) {
  if (rate >= 0.99) return 'health-good';
  if (rate >= 0.9) return 'health-fair';
  return 'health-poor';
}

function count(value) {
  return typeof value === 'number' && Number.isFinite(value) ? value : 0;
}

/** The one-line summary of a window (`hour`, `day`) of Idem's endpoint stats. */
export function windowSummary(window) {
  if (!window || typeof window !== 'object') return NO_VALUE;
  const total = count(window.success) + count(window.fail);
  if (total === 0) return 'no attempts';
  const rate = typeof window.successRate === 'number' ? window.successRate : count(window.success) / total;
  return `${formatPercent(rate)} of ${total.toLocaleString('en-US')} · p50 ${formatDuration(window.p50Ms)} · p99 ${formatDuration(window.p99Ms)}`;
}
