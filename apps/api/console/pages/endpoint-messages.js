import { apiPath } from '../api.js';
import { h } from '../dom.js';
import { NO_VALUE } from '../format.js';
import { redrawer } from '../live.js';
import { links, navigate, withParams } from '../routes.js';
import { dataTable, deliveryBadge, emptyState, idText, loadInto, pagination, tagList, time } from '../views.js';
import { STATUS_CHOICES } from './messages.js';

const PAGE_SIZE = 20;

/** How far back "Retry all failed deliveries" reaches: IDEM_MESSAGE_RETENTION's default, beyond which messages are gone. */
export const RETRY_FAILED_DAYS = 90;

/** A delivery, unlike an attempt, can also have been canceled (its endpoint was disabled). */
const DELIVERY_STATUS_CHOICES = [...STATUS_CHOICES, ['4', 'canceled']];

/** The endpoint page's URL parameters this list reads; `iterator` is its page. */
const FILTERS = ['status', 'eventTypes'];

/**
 * The messages sent to one endpoint, newest first, each with where its delivery stands (Svix's
 * "list attempted messages"). Payloads are not asked for: the list links to each message instead.
 */
export function endpointMessagesSection({ api, appId, endpointId, params, signal, onRetryFailed }) {
  const body = h('div');
  const section = h(
    'section',
    { class: 'section', testid: 'endpoint-messages' },
    h('h2', {}, 'Messages sent to this endpoint'),
    filterForm(appId, endpointId, params),
    body,
  );
  const filtered = FILTERS.some((name) => params.get(name));
  const view = redrawer(body, signal);
  const load = async () =>
    view.drawn(
      await api.get(
        apiPath`/app/${appId}/endpoint/${endpointId}/msg`,
        {
          limit: PAGE_SIZE,
          iterator: params.get('iterator') ?? undefined,
          status: params.get('status') ?? undefined,
          event_types: params.get('eventTypes') ?? undefined,
          with_content: false,
        },
        signal,
      ),
    );
  const draw = (list) =>
    list?.data?.length
      ? h(
          'div',
          {},
          params.get('status') === '2' && onRetryFailed ? retryFailedBar(onRetryFailed) : null,
          messagesTable(appId, list.data),
          pagination(list, params, (iterator) => links.endpoint(appId, endpointId, withParams(params, { iterator }))),
        )
      : emptyState(
          filtered ? 'No messages sent to this endpoint match these filters.' : params.get('iterator') ? 'No more messages.' : 'No messages sent to this endpoint yet.',
          filtered ? 'Loosen the filters, or clear them.' : null,
          'endpoint-messages-empty',
        );
  const loaded = loadInto(body, signal, load, draw);
  return { section, loaded, refresh: () => view.refresh(load, draw) };
}

/** Over the failed list: one button that recovers them all, through the same task as the form below. */
function retryFailedBar(onRetryFailed) {
  const button = h('button', { type: 'button', class: 'button button-primary', testid: 'retry-failed' }, 'Retry all failed deliveries');
  button.addEventListener('click', () => onRetryFailed(button));
  return h(
    'div',
    { class: 'retry-failed notice' },
    h('span', {}, `Sends again every failed delivery to this endpoint of the last ${RETRY_FAILED_DAYS} days, as a background task.`),
    button,
  );
}

function filterForm(appId, endpointId, params) {
  const status = h(
    'select',
    { id: 'endpoint-messages-status', name: 'status', testid: 'endpoint-messages-status' },
    h('option', { value: '' }, 'Any'),
    DELIVERY_STATUS_CHOICES.map(([value, label]) => h('option', { value, selected: params.get('status') === value }, label)),
  );
  const eventTypes = h('input', {
    id: 'endpoint-messages-event-types',
    name: 'eventTypes',
    value: params.get('eventTypes') ?? '',
    placeholder: 'invoice.paid, user.created',
    autocomplete: 'off',
    testid: 'endpoint-messages-event-types',
  });
  return h(
    'form',
    {
      class: 'filters endpoint-messages-filters card',
      testid: 'endpoint-messages-filter-form',
      on: {
        submit: (event) => {
          event.preventDefault();
          const types = eventTypes.value
            .split(/[\s,]+/)
            .filter(Boolean)
            .join(',');
          navigate(links.endpoint(appId, endpointId, withParams(params, { status: status.value, eventTypes: types, iterator: undefined })));
        },
      },
    },
    h('div', { class: 'field' }, h('label', { for: 'endpoint-messages-status' }, 'Delivery status'), status),
    h('div', { class: 'field' }, h('label', { for: 'endpoint-messages-event-types' }, 'Event types'), eventTypes),
    h(
      'div',
      { class: 'filter-actions' },
      h('button', { type: 'submit', class: 'button button-primary', testid: 'endpoint-messages-apply' }, 'Apply'),
      h(
        'a',
        { href: links.endpoint(appId, endpointId, withParams(params, { status: undefined, eventTypes: undefined, iterator: undefined })), class: 'button', testid: 'endpoint-messages-clear' },
        'Clear',
      ),
    ),
  );
}

function messagesTable(appId, messages) {
  return dataTable({
    testid: 'endpoint-messages-table',
    rows: messages,
    rowAttributes: (message) => ({ testid: 'endpoint-message-row', 'data-msg-id': message.id, 'data-status': String(message.status) }),
    columns: [
      { label: 'Time', cell: (message) => time(message.timestamp) },
      { label: 'Event type', cell: (message) => h('a', { href: links.message(appId, message.id), testid: 'message-link', class: 'strong' }, message.eventType ?? NO_VALUE) },
      { label: 'Message', cell: (message) => idText(message.id) },
      { label: 'Status', cell: (message) => deliveryBadge(message) },
      { label: 'Next attempt', cell: (message) => (message.nextAttempt ? time(message.nextAttempt) : null) },
      { label: 'Channels', cell: (message) => tagList(message.channels, NO_VALUE) },
    ],
  });
}
