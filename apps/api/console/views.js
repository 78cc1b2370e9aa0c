// Pieces every page is built from: states (loading, empty, error), tables that turn into cards on
// a phone, status badges, iterator pagination.

import { ApiError } from './api.js';
import { h } from './dom.js';
import { MESSAGE_STATUS, NO_VALUE, formatTime, timeZoneName } from './format.js';
import { links } from './routes.js';

export function loadingState(text = 'Loading…') {
  return h('div', { class: 'state state-loading', testid: 'loading-state', role: 'status' }, h('span', { class: 'spinner', 'aria-hidden': 'true' }), text);
}

export function emptyState(title, hint, testid = 'empty-state') {
  return h('div', { class: 'state state-empty', testid }, h('p', { class: 'state-title' }, title), hint ? h('p', { class: 'state-hint' }, hint) : null);
}

/** An API error as the API said it: status, code and detail, or each invalid field of a 422. */
export function errorState(error, { retry, testid = 'error-state' } = {}) {
  const isApi = error instanceof ApiError;
  const title = !isApi
    ? 'Something went wrong in the console'
    : error.status === 0
      ? 'The API could not be reached'
      : error.problems.length
        ? `The API answered ${error.status}: some fields are not valid`
        : `The API answered ${error.status} ${error.code}`;
  return h(
    'div',
    { class: 'state state-error', testid, role: 'alert' },
    h('p', { class: 'state-title', testid: 'error-title' }, title),
    isApi && error.problems.length ? null : h('p', { class: 'state-detail', testid: 'error-detail' }, isApi ? error.detail : String(error?.message ?? error)),
    isApi && error.problems.length
      ? h(
          'ul',
          { class: 'problems', testid: 'error-problems' },
          error.problems.map((problem) => h('li', {}, h('code', {}, problem.loc.join('.') || 'request'), ': ', problem.msg)),
        )
      : null,
    retry ? h('button', { type: 'button', class: 'button', on: { click: retry } }, 'Try again') : null,
  );
}

/**
 * Shows a loading state in `container`, then what `render` builds from `load()`'s result, or the
 * error. Nothing is drawn once `signal` is aborted (the user has moved on).
 */
export async function loadInto(container, signal, load, render) {
  container.replaceChildren(loadingState());
  try {
    const result = await load();
    if (signal.aborted) return;
    container.replaceChildren(render(result));
  } catch (error) {
    if (signal.aborted || error?.name === 'AbortError') return;
    // Asking again helps when the API was away or failed, not when it refused the request.
    const retryable = !(error instanceof ApiError) || error.status === 0 || error.status === 429 || error.status >= 500;
    container.replaceChildren(errorState(error, { retry: retryable ? () => loadInto(container, signal, load, render) : undefined }));
  }
}

export function statusBadge(status, statusText) {
  const name = MESSAGE_STATUS[status] ?? 'unknown';
  return h('span', { class: `badge badge-${name}`, testid: 'status-badge', 'data-status': String(status) }, statusText || name);
}

/**
 * Idem's delivery statuses that Svix's `status` folds into another: stale into success, superseded into
 * canceled, queued into pending, blocked into fail.
 */
const IDEM_ONLY_STATUS = new Set(['stale', 'superseded', 'queued', 'blocked']);

/** A delivery's badge (a message's destination, an endpoint's message): Idem's own status where Svix's would hide it. */
export function deliveryBadge(delivery) {
  const idemStatus = delivery?.idemStatus;
  if (!IDEM_ONLY_STATUS.has(idemStatus)) return statusBadge(delivery?.status, delivery?.statusText);
  const svix = delivery.statusText || MESSAGE_STATUS[delivery.status] || 'unknown';
  return h(
    'span',
    { class: `badge badge-${idemStatus}`, testid: 'status-badge', 'data-status': String(delivery.status), 'data-idem-status': idemStatus, title: `Svix clients see it as ${svix}` },
    idemStatus,
  );
}

export function pageHeader({ title, crumbs = [], testid, actions = [] }) {
  return h(
    'div',
    { class: 'page-header' },
    crumbs.length
      ? h(
          'nav',
          { class: 'crumbs', 'aria-label': 'Breadcrumb' },
          crumbs.map(([label, target]) => [h('a', { href: target }, label), h('span', { class: 'crumb-separator', 'aria-hidden': 'true' }, '/')]),
        )
      : null,
    h('div', { class: 'page-title-row' }, h('h1', { testid }, title), actions.length ? h('div', { class: 'actions' }, actions) : null),
  );
}

/** The tabs inside an application. */
export function applicationTabs(appId, active) {
  const tab = (name, label, target) =>
    h('a', { href: target, class: `tab${active === name ? ' tab-active' : ''}`, testid: `tab-${name}`, 'aria-current': active === name ? 'page' : null }, label);
  return h(
    'nav',
    { class: 'tabs' },
    tab('endpoints', 'Endpoints', links.endpoints(appId)),
    tab('messages', 'Messages', links.messages(appId)),
    tab('sagas', 'Sagas', links.sagas(appId)),
    tab('settings', 'Settings', links.applicationSettings(appId)),
  );
}

/**
 * A table that becomes a list of cards on a narrow screen (each cell then shows its column's
 * label). `columns`: [{label, cell: (row) => node | string, class?}].
 */
export function dataTable({ columns, rows, rowAttributes = () => ({}), testid }) {
  return h(
    'div',
    { class: 'table-wrap' },
    h(
      'table',
      { class: 'data-table', testid },
      h('thead', {}, h('tr', {}, columns.map((column) => h('th', { scope: 'col', class: column.class }, column.label)))),
      h(
        'tbody',
        {},
        rows.map((row) =>
          h(
            'tr',
            rowAttributes(row),
            // The wrapper keeps a cell's content in one grid cell when the row becomes a card.
            columns.map((column) => h('td', { 'data-label': column.label, class: column.class }, h('div', { class: 'cell' }, column.cell(row) ?? NO_VALUE))),
          ),
        ),
      ),
    ),
  );
}

/** Label and value pairs; pairs whose value is null are left out. */
export function facts(pairs, testid) {
  return h(
    'dl',
    { class: 'facts', testid },
    pairs.filter(([, value]) => value !== null && value !== undefined).map(([label, value, id]) => [h('dt', {}, label), h('dd', { testid: id }, value)]),
  );
}

/** A time in the viewer's time zone; the tooltip gives the zone and the instant in UTC. */
export function time(iso) {
  return h('time', { datetime: iso ?? null, title: iso ? `${timeZoneName(new Date(iso))}; ${iso} in UTC` : null }, formatTime(iso));
}

/** A monospace id that can be selected whole. */
export function idText(id) {
  return h('code', { class: 'id' }, id ?? NO_VALUE);
}

export function tagList(values, emptyText = 'all') {
  if (!Array.isArray(values) || values.length === 0) return h('span', { class: 'muted' }, emptyText);
  return h('span', { class: 'tag-list' }, values.map((value) => h('span', { class: 'tag' }, String(value))));
}

/**
 * Svix iterator pagination. The page's `iterator` query parameter is what was passed to the API;
 * `done` says the list ends in the direction walked (a backward iterator starts with `-`).
 */
export function pagination(list, params, linkFor) {
  const current = params.get('iterator') ?? '';
  const walkingBack = current.startsWith('-');
  const hasNext = walkingBack ? Boolean(list.iterator) : !list.done && Boolean(list.iterator);
  const hasPrevious = current !== '' && (walkingBack ? !list.done : true) && Boolean(list.prevIterator);
  if (current === '' && !hasNext) return null;
  const link = (label, iterator, enabled, testid) =>
    enabled ? h('a', { class: 'button', href: linkFor(iterator), testid }, label) : h('span', { class: 'button button-disabled', 'aria-disabled': 'true', testid }, label);
  return h(
    'nav',
    { class: 'pagination', 'aria-label': 'Pages', testid: 'pagination' },
    link('First', undefined, current !== '', 'pagination-first'),
    link('← Previous', list.prevIterator, hasPrevious, 'pagination-prev'),
    link('Next →', list.iterator, hasNext, 'pagination-next'),
  );
}

/** Resolves after `ms`, or rejects with an AbortError as soon as `signal` fires. */
export function sleep(ms, signal) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener(
      'abort',
      () => {
        clearTimeout(timer);
        reject(new DOMException('The page was left', 'AbortError'));
      },
      { once: true },
    );
  });
}
