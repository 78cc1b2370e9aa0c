import { apiPath } from '../api.js';
import { h } from '../dom.js';
import { NO_VALUE, TRIGGER_TYPE, formatDuration, isoToLocalInput, localInputToIso } from '../format.js';
import { links, navigate, withParams } from '../routes.js';
import { dataTable, emptyState, idText, loadInto, loadingState, pagination, statusBadge, tagList, time } from '../views.js';
import { applicationHeader } from './application-header.js';

const PAGE_SIZE = 50;

/** The filters this page reads from (and writes to) the URL, named as in the URL. */
const FILTERS = ['eventTypes', 'channel', 'after', 'before', 'status', 'endpoint'];

/** Svix's MessageStatus values, as the status filter offers them. */
export const STATUS_CHOICES = [
  ['2', 'failed'],
  ['0', 'succeeded'],
  ['1', 'pending'],
  ['3', 'sending'],
];

/** Below this width the filters start folded, so the results are on the first screen. */
const PHONE = '(max-width: 760px)';

/**
 * An application's message log. With no endpoint and no status it lists messages; an endpoint or
 * an attempt status switches to that endpoint's attempts, which is where Svix keeps the status
 * filter (`GET /attempt/endpoint/{id}?status=`): each row is one attempt, leading to its message.
 */
export async function messagesPage({ api, route, params, signal, container }) {
  const { appId } = route;
  document.title = `Messages · ${appId} · Idem console`;
  container.setAttribute('data-testid', 'messages-page');
  const endpointSelect = h('select', { id: 'filter-endpoint', name: 'endpoint', testid: 'filter-endpoint' }, h('option', { value: '' }, 'All endpoints'));
  const body = h('div', {}, loadingState());
  container.append(
    applicationHeader({ api, appId, signal, title: 'Messages', testid: 'messages-title', tab: 'messages' }),
    filterForm(appId, params, endpointSelect),
    body,
  );

  const choices = loadEndpointChoices(api, appId, params.get('endpoint'), endpointSelect, signal);
  const status = params.get('status') ?? '';
  let endpointId = params.get('endpoint') ?? '';
  if (status !== '' && !endpointId) {
    // A status needs an endpoint; when the application has only one, there is nothing to choose.
    const endpoints = await choices;
    if (signal.aborted) return;
    if (endpoints.length === 1) {
      endpointId = endpoints[0].id;
      endpointSelect.value = endpointId;
    }
  }

  const common = {
    limit: PAGE_SIZE,
    iterator: params.get('iterator') ?? undefined,
    event_types: params.get('eventTypes') ?? undefined,
    channel: params.get('channel') ?? undefined,
    before: params.get('before') ?? undefined,
    after: params.get('after') ?? undefined,
  };
  const pageLink = (iterator) => links.messages(appId, withParams(params, { iterator }));

  if (status !== '' && !endpointId) {
    body.replaceChildren(
      emptyState(
        'Choose an endpoint to filter by attempt status.',
        'An attempt belongs to one endpoint; pick it above and apply the filters again.',
        'needs-endpoint-state',
      ),
    );
    return;
  }

  if (endpointId) {
    await loadInto(
      body,
      signal,
      () => api.get(apiPath`/app/${appId}/attempt/endpoint/${endpointId}`, { ...common, status: status || undefined }, signal),
      (list) =>
        list?.data?.length
          ? h('div', {}, attemptsTable(appId, list.data), pagination(list, params, pageLink))
          : emptyState('No attempts match these filters.', hasFilters(params) ? 'Loosen the filters, or clear them.' : null),
    );
    return;
  }

  await loadInto(
    body,
    signal,
    () => api.get(apiPath`/app/${appId}/msg`, common, signal),
    (list) =>
      list?.data?.length
        ? h('div', {}, messagesTable(appId, list.data), pagination(list, params, pageLink))
        : emptyState(hasFilters(params) ? 'No messages match these filters.' : 'No messages yet.', hasFilters(params) ? 'Loosen the filters, or clear them.' : 'Send one with POST /api/v1/app/{app_id}/msg.'),
  );
}

function hasFilters(params) {
  return FILTERS.some((name) => params.get(name));
}

function filterForm(appId, params, endpointSelect) {
  const field = (id, label, control) => h('div', { class: 'field' }, h('label', { for: id }, label), control);
  const eventTypes = h('input', {
    id: 'filter-event-types',
    name: 'eventTypes',
    value: params.get('eventTypes') ?? '',
    placeholder: 'invoice.paid, user.created',
    testid: 'filter-event-types',
    autocomplete: 'off',
  });
  const channel = h('input', { id: 'filter-channel', name: 'channel', value: params.get('channel') ?? '', placeholder: 'any', testid: 'filter-channel', autocomplete: 'off' });
  const after = h('input', { id: 'filter-after', name: 'after', type: 'datetime-local', value: isoToLocalInput(params.get('after')), testid: 'filter-after' });
  const before = h('input', { id: 'filter-before', name: 'before', type: 'datetime-local', value: isoToLocalInput(params.get('before')), testid: 'filter-before' });
  const status = h(
    'select',
    { id: 'filter-status', name: 'status', testid: 'filter-status' },
    h('option', { value: '' }, 'Any'),
    STATUS_CHOICES.map(([value, label]) => h('option', { value, selected: params.get('status') === value }, label)),
  );
  const active = FILTERS.filter((name) => params.get(name)).length;
  const form = h(
    'form',
    {
      class: 'filters card',
      testid: 'messages-filter-form',
      on: {
        submit: (event) => {
          event.preventDefault();
          const types = eventTypes.value
            .split(/[\s,]+/)
            .filter(Boolean)
            .join(',');
          navigate(
            links.messages(appId, {
              eventTypes: types,
              channel: channel.value.trim(),
              after: localInputToIso(after.value),
              before: localInputToIso(before.value),
              status: status.value,
              endpoint: endpointSelect.value,
            }),
          );
        },
      },
    },
    field('filter-event-types', 'Event types', eventTypes),
    field('filter-channel', 'Channel', channel),
    field('filter-after', 'After', after),
    field('filter-before', 'Before', before),
    field('filter-endpoint', 'Endpoint', endpointSelect),
    field('filter-status', 'Attempt status', status),
    h(
      'div',
      { class: 'filter-actions' },
      h('button', { type: 'submit', class: 'button button-primary', testid: 'filter-apply' }, 'Apply'),
      h('a', { href: links.messages(appId), class: 'button', testid: 'filter-clear' }, 'Clear'),
    ),
  );
  return h(
    'details',
    { class: 'filters-panel', testid: 'messages-filters', open: !window.matchMedia(PHONE).matches },
    h('summary', {}, active ? `Filters (${active} active)` : 'Filters'),
    form,
  );
}

/** Fills the endpoint choice; the page works without it (the API's own errors show below). */
async function loadEndpointChoices(api, appId, selected, select, signal) {
  let endpoints = [];
  try {
    endpoints = (await api.get(apiPath`/app/${appId}/endpoint`, { limit: 250 }, signal))?.data ?? [];
  } catch (error) {
    if (signal.aborted || error?.name === 'AbortError') return [];
  }
  for (const endpoint of endpoints) {
    select.append(h('option', { value: endpoint.id, selected: endpoint.id === selected }, endpoint.description ? `${endpoint.description} (${endpoint.url})` : endpoint.url ?? endpoint.id));
  }
  if (selected && !endpoints.some((endpoint) => endpoint.id === selected)) {
    select.append(h('option', { value: selected, selected: true }, selected));
  }
  return endpoints;
}

function messagesTable(appId, messages) {
  return dataTable({
    testid: 'messages-table',
    rows: messages,
    rowAttributes: (message) => ({ testid: 'message-row', 'data-msg-id': message.id }),
    columns: [
      { label: 'Time', cell: (message) => time(message.timestamp) },
      { label: 'Event type', cell: (message) => h('a', { href: links.message(appId, message.id), testid: 'message-link', class: 'strong' }, message.eventType ?? NO_VALUE) },
      { label: 'Message', cell: (message) => idText(message.id) },
      { label: 'Event ID', cell: (message) => (message.eventId ? h('code', {}, message.eventId) : null) },
      { label: 'Channels', cell: (message) => tagList(message.channels, NO_VALUE) },
    ],
  });
}

function attemptsTable(appId, attempts) {
  return dataTable({
    testid: 'endpoint-attempts-table',
    rows: attempts,
    rowAttributes: (attempt) => ({ testid: 'attempt-row', 'data-attempt-id': attempt.id, 'data-msg-id': attempt.msgId }),
    columns: [
      { label: 'Time', cell: (attempt) => time(attempt.timestamp) },
      { label: 'Message', cell: (attempt) => h('a', { href: links.message(appId, attempt.msgId), testid: 'message-link', class: 'id' }, attempt.msgId) },
      { label: 'Status', cell: (attempt) => statusBadge(attempt.status, attempt.statusText) },
      { label: 'Code', cell: (attempt) => h('span', { testid: 'attempt-status-code' }, attempt.responseStatusCode ? String(attempt.responseStatusCode) : NO_VALUE) },
      { label: 'Duration', cell: (attempt) => formatDuration(attempt.responseDurationMs) },
      { label: 'Trigger', cell: (attempt) => TRIGGER_TYPE[attempt.triggerType] ?? NO_VALUE },
      { label: 'Attempt', cell: (attempt) => (attempt.attemptNumber ? `#${attempt.attemptNumber}` : null) },
    ],
  });
}
