import { apiPath, pageQuery } from '../api.js';
import { healthChart, windowSummary } from '../chart.js';
import { h, replace } from '../dom.js';
import { links, withParams } from '../routes.js';
import { emptyState, errorState, idText, loadInto, pagination, tagList } from '../views.js';
import { applicationHeader } from './application-header.js';

/** How many endpoints' stats are asked for at once, so a long page does not flood the API. */
const STATS_CONCURRENCY = 4;

/** An application's endpoints, each with its health over the last day. */
export async function endpointsPage({ api, route, params, signal, container }) {
  const { appId } = route;
  document.title = `Endpoints · ${appId} · Idem console`;
  container.setAttribute('data-testid', 'endpoints-page');
  const body = h('div');
  container.append(
    applicationHeader({
      api,
      appId,
      signal,
      title: 'Endpoints',
      testid: 'endpoints-title',
      tab: 'endpoints',
      actions: [h('a', { class: 'button button-primary', href: links.newEndpoint(appId), testid: 'endpoint-new' }, 'New endpoint')],
    }),
    body,
  );
  await loadInto(
    body,
    signal,
    () => api.get(apiPath`/app/${appId}/endpoint`, pageQuery(params), signal),
    (list) => {
      if (!list?.data?.length) {
        return emptyState(params.get('iterator') ? 'No more endpoints.' : 'This application has no endpoints yet.', 'Add one with New endpoint, or POST /api/v1/app/{app_id}/endpoint.');
      }
      const cards = list.data.map((endpoint) => endpointCard(appId, endpoint));
      loadStats(api, appId, cards, signal);
      return h(
        'div',
        {},
        h('div', { class: 'endpoint-grid', testid: 'endpoints-list' }, cards.map((card) => card.element)),
        pagination(list, params, (iterator) => links.endpoints(appId, withParams(params, { iterator }))),
      );
    },
  );
}

function endpointCard(appId, endpoint) {
  const stats = h('div', { class: 'endpoint-stats', testid: 'endpoint-health' }, h('p', { class: 'muted' }, 'Loading health…'));
  const element = h(
    'article',
    { class: `card endpoint-card${endpoint.disabled ? ' endpoint-disabled' : ''}`, testid: 'endpoint-row', 'data-endpoint-id': endpoint.id },
    h(
      'div',
      { class: 'endpoint-card-head' },
      h('a', { href: links.endpoint(appId, endpoint.id), class: 'endpoint-url', testid: 'endpoint-link' }, endpoint.url ?? endpoint.id),
      endpointState(endpoint),
    ),
    endpoint.description ? h('p', { class: 'endpoint-description' }, endpoint.description) : null,
    h('p', { class: 'endpoint-meta' }, idText(endpoint.id), ' · events: ', tagList(endpoint.filterTypes)),
    stats,
  );
  return { endpoint, element, stats };
}

/** Enabled, or disabled with the reason Idem gives (for example, failing for days). */
export function endpointState(endpoint) {
  if (!endpoint.disabled) return h('span', { class: 'badge badge-success', testid: 'endpoint-enabled' }, 'enabled');
  return h(
    'span',
    { class: 'endpoint-state' },
    h('span', { class: 'badge badge-fail', testid: 'endpoint-disabled' }, 'disabled'),
    endpoint.disabledReason ? h('span', { class: 'disabled-reason', testid: 'endpoint-disabled-reason' }, endpoint.disabledReason) : null,
  );
}

async function loadStats(api, appId, cards, signal) {
  const queue = [...cards];
  const worker = async () => {
    for (let card = queue.shift(); card && !signal.aborted; card = queue.shift()) {
      try {
        const stats = await api.get(apiPath`/app/${appId}/endpoint/${card.endpoint.id}/stats`, {}, signal);
        if (!signal.aborted) replace(card.stats, healthSummary(stats));
      } catch (error) {
        if (signal.aborted || error?.name === 'AbortError') return;
        replace(card.stats, h('div', { class: 'stats-unavailable' }, errorState(error, { testid: 'endpoint-health-error' })));
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(STATS_CONCURRENCY, cards.length) }, worker));
}

/** The last hour and day in one line each, and the hourly chart. */
export function healthSummary(stats, { large = false } = {}) {
  const windows = stats?.windows;
  return h(
    'div',
    { class: 'health' },
    h(
      'dl',
      { class: 'health-windows' },
      h('dt', {}, 'Last hour'),
      h('dd', { testid: 'health-hour' }, windows ? windowSummary(windows.hour) : 'no data'),
      h('dt', {}, 'Last day'),
      h('dd', { testid: 'health-day' }, windows ? windowSummary(windows.day) : 'no data'),
    ),
    healthChart(stats?.series, { large }),
  );
}
