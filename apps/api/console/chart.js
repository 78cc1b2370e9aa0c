// An endpoint's health over time, drawn as inline SVG with its axes and legend in HTML (text in a
// stretched SVG would be stretched too). Per hourly bucket, a bar for the success rate, coloured by
// how healthy it is, against a dashed line at the threshold below which it turns red; below it, on
// its own scale, a line for the median latency. Hours are the viewer's, and the chart says whose.

import { h, s } from './dom.js';
import { NO_VALUE, formatDay, formatDuration, formatHour, formatPercent, timeZoneName } from './format.js';

const BAR_WIDTH = 10;
const RATE_HEIGHT = 40;
const LATENCY_HEIGHT = 20;

/** At or above: green. */
export const GOOD_RATE = 0.99;
/** Below: red; in between: amber. */
export const POOR_RATE = 0.9;

/**
 * @param {{start: string, success: number, fail: number, p50Ms?: number | null}[] | undefined} series
 * @param {{large?: boolean}} options
 */
export function healthChart(series, { large = false } = {}) {
  const buckets = Array.isArray(series) ? series.filter((bucket) => bucket && typeof bucket === 'object') : [];
  const sent = buckets.reduce((sum, bucket) => sum + count(bucket.success) + count(bucket.fail), 0);
  if (buckets.length === 0 || sent === 0) {
    return h('div', { class: `chart chart-empty${large ? ' chart-large' : ''}`, testid: 'health-chart-no-data' }, 'No attempts in the last 24 hours');
  }
  const width = buckets.length * BAR_WIDTH;
  const latencies = buckets.map((bucket) => (typeof bucket.p50Ms === 'number' && Number.isFinite(bucket.p50Ms) ? bucket.p50Ms : null));
  const slowest = Math.max(1, ...latencies.filter((value) => value !== null));
  const latencyScale = niceCeiling(slowest);

  const bars = buckets.map((bucket, index) => {
    const total = count(bucket.success) + count(bucket.fail);
    const x = index * BAR_WIDTH + 1;
    const label = `${formatDay(bucket.start)} ${formatHour(bucket.start)}: ${total === 0 ? 'no attempts' : `${formatPercent(count(bucket.success) / total)} of ${total} (${count(bucket.fail)} failed)`}, p50 ${formatDuration(latencies[index] ?? undefined)}`;
    if (total === 0) {
      return s('rect', { x, y: RATE_HEIGHT - 1, width: BAR_WIDTH - 2, height: 1, class: 'bar-idle' }, s('title', {}, label));
    }
    const rate = count(bucket.success) / total;
    const barHeight = Math.max(2, rate * RATE_HEIGHT);
    return s(
      'g',
      { 'data-testid': 'chart-bar', 'data-health': healthClass(rate) },
      s('rect', { x, y: 0, width: BAR_WIDTH - 2, height: RATE_HEIGHT, class: 'bar-track' }),
      s('rect', { x, y: RATE_HEIGHT - barHeight, width: BAR_WIDTH - 2, height: barHeight, class: `bar ${healthClass(rate)}` }),
      s('title', {}, label),
    );
  });
  const thresholdY = RATE_HEIGHT * (1 - POOR_RATE);

  const points = latencies
    .map((value, index) => (value === null ? null : [index * BAR_WIDTH + BAR_WIDTH / 2, LATENCY_HEIGHT - (value / latencyScale) * (LATENCY_HEIGHT - 2) - 1]))
    .filter(Boolean);
  const latencyLine = points.length > 1 ? s('polyline', { points: points.map((point) => point.join(',')).join(' '), class: 'latency-line', 'vector-effect': 'non-scaling-stroke' }) : null;
  const latencyDots = points.length === 1 ? s('circle', { cx: points[0][0], cy: points[0][1], r: 1.5, class: 'latency-dot' }) : null;

  const overall = buckets.reduce((sum, bucket) => sum + count(bucket.success), 0) / sent;
  const rateSvg = s(
    'svg',
    {
      viewBox: `0 0 ${width} ${RATE_HEIGHT}`,
      preserveAspectRatio: 'none',
      role: 'img',
      'aria-label': `Success rate ${formatPercent(overall)} over ${buckets.length} hours`,
    },
    bars,
    s('line', { x1: 0, x2: width, y1: thresholdY, y2: thresholdY, class: 'chart-threshold', 'vector-effect': 'non-scaling-stroke' }),
  );
  const latencySvg = s(
    'svg',
    { viewBox: `0 0 ${width} ${LATENCY_HEIGHT}`, preserveAspectRatio: 'none', role: 'img', 'aria-label': `Median latency per hour, up to ${formatDuration(slowest)}` },
    s('line', { x1: 0, x2: width, y1: LATENCY_HEIGHT - 0.5, y2: LATENCY_HEIGHT - 0.5, class: 'chart-rule', 'vector-effect': 'non-scaling-stroke' }),
    latencyLine,
    latencyDots,
  );

  return h(
    'figure',
    { class: `chart${large ? ' chart-large' : ''}`, testid: 'health-chart' },
    legend(large),
    h(
      'div',
      { class: 'chart-panel chart-rate' },
      yAxis(large ? [['100 %', 0], ['50 %', 0.5], ['0 %', 1]] : [['100 %', 0], ['0 %', 1]]),
      h('div', { class: 'chart-plot' }, rateSvg, large ? thresholdLabel() : null),
    ),
    h('div', { class: 'chart-panel chart-latency' }, yAxis(large ? [[formatDuration(latencyScale), 0], ['0 ms', 1]] : [[formatDuration(latencyScale), 0]], 'chart-latency-axis'), h('div', { class: 'chart-plot' }, latencySvg)),
    h('div', { class: 'chart-panel' }, h('span'), xAxis(buckets, large)),
    h('figcaption', { class: 'chart-caption', testid: 'chart-time-zone' }, `Hourly, in ${timeZoneName()}`),
  );
}

function legend(large) {
  const swatch = (name, text) => h('span', { class: 'legend-item' }, h('span', { class: `swatch swatch-${name}`, 'aria-hidden': 'true' }), text);
  const good = Math.round(GOOD_RATE * 100);
  const poor = Math.round(POOR_RATE * 100);
  return h(
    'div',
    { class: 'chart-legend', testid: 'chart-legend' },
    swatch('good', large ? `success ≥ ${good} %` : `≥ ${good} %`),
    swatch('fair', `${poor}–${good} %`),
    swatch('poor', large ? `below ${poor} % (red)` : `< ${poor} %`),
    large ? swatch('idle', 'no attempts') : null,
    swatch('latency', large ? 'median latency (own scale)' : 'p50'),
  );
}

/** Names the dashed line, just above it at the right end of the plot. */
function thresholdLabel() {
  const label = h('span', { class: 'chart-threshold-label', testid: 'chart-threshold' }, `${Math.round(POOR_RATE * 100)} %: below it a bar is red`);
  label.style.top = `${(1 - POOR_RATE) * 100}%`;
  return label;
}

/** Labels at fractions of the panel's height (0 at the top). */
function yAxis(ticks, testid) {
  const axis = h('div', { class: 'chart-y-axis', testid: testid ?? null, 'aria-hidden': 'true' });
  for (const [text, at, className] of ticks) {
    const label = h('span', { class: `chart-y-label${className ? ` ${className}` : ''}` }, text);
    // Placed through the CSSOM: the content security policy refuses inline style attributes.
    label.style.top = `${at * 100}%`;
    axis.append(label);
  }
  return axis;
}

/**
 * An hour every few bars, with its date where the day begins or changes. A phone keeps fewer of
 * them, so each label also knows whether it starts a day among the labels a phone shows.
 */
function xAxis(buckets, large) {
  const axis = h('div', { class: 'chart-x-axis', testid: 'chart-x-axis', 'aria-hidden': 'true' });
  const step = large ? 3 : 12;
  let lastDay = null;
  let lastPhoneDay = null;
  buckets.forEach((bucket, index) => {
    const last = index === buckets.length - 1;
    if (index % step !== 0 && !last) return;
    if (last && index % step !== 0 && index % step < step / 2) return;
    const keptOnPhone = !large || (index % 9 === 0 && !last);
    const day = formatDay(bucket.start);
    const dayHere = day !== lastDay;
    const dayOnPhone = keptOnPhone && day !== lastPhoneDay;
    lastDay = day;
    if (keptOnPhone) lastPhoneDay = day;
    const dayClass = dayHere && dayOnPhone ? 'chart-x-day' : dayHere ? 'chart-x-day chart-x-day-wide' : 'chart-x-day chart-x-day-phone';
    const label = h('span', { class: `chart-x-label${keptOnPhone ? '' : ' chart-x-minor'}` }, dayHere || dayOnPhone ? h('span', { class: dayClass }, `${day} `) : null, formatHour(bucket.start));
    label.style.left = `${((index + 0.5) / buckets.length) * 100}%`;
    axis.append(label);
  });
  return axis;
}

/** 1, 2 or 5 times a power of ten, at least `value`: a scale whose top label reads well. */
function niceCeiling(value) {
  const power = 10 ** Math.floor(Math.log10(value));
  for (const factor of [1, 2, 5, 10]) if (factor * power >= value) return factor * power;
  return 10 * power;
}

export function healthClass(rate) {
  if (rate >= GOOD_RATE) return 'health-good';
  if (rate >= POOR_RATE) return 'health-fair';
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
