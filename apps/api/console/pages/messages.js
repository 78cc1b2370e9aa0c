import { ApiError, apiPath } from '../api.js';
import { h } from '../dom.js';
import { NO_VALUE, TRIGGER_TYPE, formatDuration, isoToLocalInput, localInputToIso } from '../format.js';
import { links, navigate, withParams } from '../routes.js';
import { dataTable, emptyState, idText, loadInto, loadingState, pagination, statusBadge, tagList, time } from '../views.js';
import { liveRefresh, redrawer } from '../live.js';
import { applicationHeader } from './application-header.js';

const PAGE_SIZE = 50;

/** The filters this page reads from (and writes to) the URL, named as in the URL. */
const FILTERS = ['q', 'eventTypes', 'channel', 'after', 'before', 'status', 'endpoint'];

/** The quick ranges beside the date fields: label and length. */
const RANGES = [
  ['Last hour', 60 * 60 * 1000, 'range-hour'],
  ['Last 24 hours', 24 * 60 * 60 * 1000, 'range-day'],
  ['Last 7 days', 7 * 24 * 60 * 60 * 1000, 'range-week'],
];

/** How many messages' delivery statuses are asked for at once. */
const STATUS_CONCURRENCY = 4;

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
  const live = h('div', { class: 'live' });
  container.append(
    applicationHeader({ api, appId, signal, title: 'Messages', testid: 'messages-title', tab: 'messages' }),
    searchForm(appId, params),
    filterForm(appId, params, endpointSelect),
    live,
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

  const search = params.get('q')?.trim();
  if (search) {
    // The API finds a message by its id or by the producer's eventId on the same route.
    const statuses = new Map();
    await loadInto(
      body,
      signal,
      () =>
        api.get(apiPath`/app/${appId}/msg/${search}`, { with_content: false }, signal).catch((error) => {
          if (error instanceof ApiError && error.status === 404) return null;
          throw error;
        }),
      (message) => {
        if (!message) return emptyState('No message has this ID or event ID.', 'An eventId is found only while the API remembers it (IDEM_IDEMPOTENCY_RETENTION).', 'search-empty');
        const table = messagesTable(appId, [message], statuses);
        loadDeliveryStatuses(api, appId, [message], statuses, table, signal);
        return table;
      },
    );
    return;
  }

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

  // Only the newest page follows new messages: an older page or a closed range would not change.
  const follows = !params.get('iterator') && !params.get('before');

  if (endpointId) {
    const view = redrawer(body, signal);
    const load = async () => view.drawn(await api.get(apiPath`/app/${appId}/attempt/endpoint/${endpointId}`, { ...common, status: status || undefined }, signal));
    const draw = (list) =>
      list?.data?.length
        ? h('div', {}, attemptsTable(appId, list.data), pagination(list, params, pageLink))
        : emptyState('No attempts match these filters.', hasFilters(params) ? 'Loosen the filters, or clear them.' : null);
    await loadInto(body, signal, load, draw);
    if (follows && !signal.aborted) live.replaceChildren(liveRefresh(signal, () => view.refresh(load, draw)));
    return;
  }

  const view = redrawer(body, signal);
  const statuses = new Map();
  const load = async () => view.drawn(await api.get(apiPath`/app/${appId}/msg`, { ...common, with_content: false }, signal));
  const draw = (list) => {
    if (!list?.data?.length) {
      return emptyState(hasFilters(params) ? 'No messages match these filters.' : 'No messages yet.', hasFilters(params) ? 'Loosen the filters, or clear them.' : 'Send one with POST /api/v1/app/{app_id}/msg.');
    }
    const table = messagesTable(appId, list.data, statuses);
    loadDeliveryStatuses(api, appId, list.data, statuses, table, signal);
    return h('div', {}, table, pagination(list, params, pageLink));
  };
  await loadInto(body, signal, load, draw);
  if (signal.aborted) return;
  live.replaceChildren(
    liveRefresh(signal, async () => {
      // A redraw asks for the statuses of its rows itself; otherwise the rows still moving are asked again.
      if (follows && (await view.refresh(load, draw))) return;
      const table = body.querySelector('[data-testid="messages-table"]');
      if (!table) return;
      const shownIds = new Set([...table.querySelectorAll('[data-testid="message-delivery"]')].map((cell) => cell.dataset.msgId));
      const moving = [...statuses].filter(([id, summary]) => !summary.settled && shownIds.has(id)).map(([id]) => ({ id }));
      if (moving.length) await loadDeliveryStatuses(api, appId, moving, statuses, table, signal, { again: true });
    }),
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
    field('filter-after', 'After (your time)', after),
    field('filter-before', 'Before (your time)', before),
    field('filter-endpoint', 'Endpoint', endpointSelect),
    field('filter-status', 'Attempt status', status),
    h(
      'div',
      { class: 'filter-actions' },
      h('button', { type: 'submit', class: 'button button-primary', testid: 'filter-apply' }, 'Apply'),
      h('a', { href: links.messages(appId), class: 'button', testid: 'filter-clear' }, 'Clear'),
    ),
    h(
      'div',
      { class: 'filter-ranges' },
      h('span', { class: 'muted' }, 'Quick range:'),
      RANGES.map(([label, length, testid]) =>
        h(
          'button',
          {
            type: 'button',
            class: 'button button-small',
            testid,
            on: {
              click: () => {
                after.value = isoToLocalInput(new Date(Date.now() - length).toISOString());
                before.value = '';
                form.requestSubmit();
              },
            },
          },
          label,
        ),
      ),
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

function messagesTable(appId, messages, statuses) {
  return dataTable({
    testid: 'messages-table',
    rows: messages,
    rowAttributes: (message) => ({ testid: 'message-row', 'data-msg-id': message.id }),
    columns: [
      { label: 'Time', cell: (message) => time(message.timestamp) },
      { label: 'Event type', cell: (message) => h('a', { href: links.message(appId, message.id), testid: 'message-link', class: 'strong' }, message.eventType ?? NO_VALUE) },
      { label: 'Delivery', cell: (message) => deliveryStatusCell(message.id, statuses.get(message.id)) },
      { label: 'Message', cell: (message) => idText(message.id) },
      { label: 'Event ID', cell: (message) => (message.eventId ? h('code', {}, message.eventId) : null) },
      { label: 'Channels', cell: (message) => tagList(message.channels, NO_VALUE) },
    ],
  });
}

/** A search by message id or eventId; it leads to a list of one (or none), so the link can be shared. */
function searchForm(appId, params) {
  const input = h('input', {
    id: 'message-search',
    name: 'q',
    type: 'search',
    value: params.get('q') ?? '',
    placeholder: 'msg_… or your eventId',
    autocomplete: 'off',
    spellcheck: 'false',
    testid: 'message-search',
  });
  return h(
    'form',
    {
      class: 'search card',
      role: 'search',
      testid: 'message-search-form',
      on: {
        submit: (event) => {
          event.preventDefault();
          navigate(links.messages(appId, input.value.trim() ? { q: input.value.trim() } : {}));
        },
      },
    },
    h('label', { for: 'message-search' }, 'Find a message by its ID or event ID'),
    h('div', { class: 'search-row' }, input, h('button', { type: 'submit', class: 'button button-primary', testid: 'message-search-submit' }, 'Find')),
  );
}

/**
 * Where a message's deliveries stand, from its deliveries list (`GET …/msg/{id}/endpoint`): the API's
 * message list does not carry it. Asked for a few rows at a time; `again` asks only for rows still moving.
 */
async function loadDeliveryStatuses(api, appId, messages, statuses, table, signal, { again = false } = {}) {
  const queue = messages.filter((message) => again || !statuses.get(message.id)?.settled);
  const worker = async () => {
    for (let message = queue.shift(); message && !signal.aborted; message = queue.shift()) {
      let summary;
      try {
        const list = await api.get(apiPath`/app/${appId}/msg/${message.id}/endpoint`, { limit: 250 }, signal);
        summary = summarise(list?.data ?? []);
      } catch (error) {
        if (signal.aborted || error?.name === 'AbortError') return;
        summary = { state: 'unknown', text: 'unknown', title: String(error?.message ?? error), settled: false };
      }
      statuses.set(message.id, summary);
      const cell = table.querySelector(`[data-testid="message-delivery"][data-msg-id="${CSS.escape(message.id)}"]`);
      cell?.replaceWith(deliveryStatusCell(message.id, summary));
    }
  };
  await Promise.all(Array.from({ length: Math.min(STATUS_CONCURRENCY, queue.length) }, worker));
}

function summarise(deliveries) {
  const count = (status) => deliveries.filter((delivery) => delivery.status === status).length;
  const total = deliveries.length;
  const [succeeded, pending, failed, sending, canceled] = [0, 1, 2, 3, 4].map(count);
  if (total === 0) return { state: 'none', text: 'no endpoint', settled: true };
  const settled = pending + sending === 0;
  if (failed) return { state: 'fail', badge: 2, text: `failed ${failed} of ${total}`, settled };
  if (!settled) return { state: 'pending', badge: 1, text: `pending ${pending + sending} of ${total}`, settled };
  if (canceled && !succeeded) return { state: 'canceled', badge: 4, text: 'canceled', settled };
  return { state: 'success', badge: 0, text: total === 1 ? 'delivered' : `delivered to ${succeeded}`, settled };
}

function deliveryStatusCell(msgId, summary) {
  const attributes = { testid: 'message-delivery', 'data-msg-id': msgId, 'data-state': summary?.state ?? 'loading' };
  if (!summary) return h('span', { ...attributes, class: 'muted' }, '…');
  if (summary.badge === undefined) return h('span', { ...attributes, class: 'muted', title: summary.title ?? null }, summary.text);
  return h('span', attributes, statusBadge(summary.badge, summary.text));
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
      { label: 'Attempt', cell: (attempt) => h('a', { href: links.attempt(appId, attempt.msgId, attempt.id), testid: 'attempt-link' }, attempt.attemptNumber ? `#${attempt.attemptNumber}` : 'details') },
    ],
  });
}
