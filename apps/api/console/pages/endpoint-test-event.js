import { apiPath } from '../api.js';
import { h, replace } from '../dom.js';
import { formatDuration, prettyJson } from '../format.js';
import { apiForm, fieldError, formField, textArea, textInput } from '../forms.js';
import { links } from '../routes.js';
import { sleep, statusBadge } from '../views.js';
import { enforcementOf, exampleOf } from './event-types.js';

/** What the chosen event type does with a payload that breaks its schema; nothing is said for `off`. */
const ENFORCEMENT_HINT = {
  observe: 'This event type observes its schema: a payload that breaks it is sent, and its message records where.',
  enforce: 'This event type enforces its schema: a payload that breaks it is refused, and nothing is sent.',
};

const WATCH_MS = 30_000;
const POLL_MS = 1_000;

/**
 * Sends a test event to this endpoint's application, of an event type the endpoint takes, with that
 * type's example payload (editable), then watches for the attempt to this endpoint and links to it.
 * The API has no call that sends to one endpoint only, so every endpoint subscribed to the type
 * receives it too, and the form says so.
 */
export function testEventSection({ api, appId, endpoint, signal, onAttempt = () => {} }) {
  const result = h('div', { class: 'test-event-result', testid: 'test-event-result', 'aria-live': 'polite' });
  const eventType = textInput({ placeholder: 'invoice.paid', list: 'test-event-types' });
  const payload = textArea({ class: 'code-input', rows: 6, value: '{}' });
  const choices = h('datalist', { id: 'test-event-types' });
  let catalog = [];
  let edited = false;
  payload.addEventListener('input', () => {
    edited = true;
  });
  const enforcementHint = h('span', { testid: 'test-event-enforcement' });
  const fillExample = () => {
    const chosen = catalog.find((type) => type.name === eventType.value.trim());
    replace(enforcementHint, ENFORCEMENT_HINT[enforcementOf(chosen)] ?? '');
    const example = exampleOf(chosen);
    if (!edited || payload.value.trim() === '') {
      payload.value = example === undefined ? '{}' : prettyJson(example);
      edited = false;
    }
  };
  eventType.addEventListener('input', fillExample);
  eventType.addEventListener('change', fillExample);

  api
    .get('/event-type', { limit: 250 }, signal)
    .then((list) => {
      catalog = (list?.data ?? []).filter((type) => !type.archived);
      const accepted = endpoint.filterTypes?.length ? endpoint.filterTypes : catalog.map((type) => type.name);
      replace(
        choices,
        accepted.map((name) => h('option', { value: name })),
      );
      if (!eventType.value && accepted.length) {
        eventType.value = accepted[0];
        fillExample();
      }
    })
    .catch(() => {
      // Without the catalogue the type is typed by hand and the payload starts empty.
    });

  const form = apiForm({
    testid: 'test-event-form',
    className: 'test-event-form',
    submitLabel: 'Send test event',
    fields: [
      formField({ name: 'eventType', label: 'Event type', control: eventType }),
      choices,
      formField({ name: 'payload', label: 'Payload (JSON)', control: payload, hint: enforcementHint }),
    ],
    submit: async (element) => {
      const typeName = eventType.value.trim();
      if (endpoint.filterTypes?.length && !endpoint.filterTypes.includes(typeName)) {
        // The API would accept it, and fan it out, but never to this endpoint.
        fieldError(element, 'eventType', `This endpoint takes only ${endpoint.filterTypes.join(', ')}: it would not receive this one.`);
        return;
      }
      let body;
      try {
        body = JSON.parse(payload.value);
      } catch (error) {
        fieldError(element, 'payload', `Not valid JSON: ${error.message}`);
        return;
      }
      replace(result, h('p', { class: 'muted' }, 'Sending…'));
      let message;
      try {
        message = await api.post(
          apiPath`/app/${appId}/msg`,
          // On an endpoint that listens to channels, a message without one would not reach it.
          { eventType: typeName, payload: body, channels: endpoint.channels?.length ? endpoint.channels : undefined },
          signal,
        );
      } catch (error) {
        // Nothing was sent: the form shows why (a payload that breaks an enforced schema at the payload).
        replace(result);
        throw error;
      }
      replace(result, sentNote(appId, message, h('span', { testid: 'test-event-waiting' }, 'waiting for the attempt…')));
      const attempt = await watchForAttempt(api, appId, message.id, endpoint.id, signal);
      if (signal.aborted) return;
      replace(result, sentNote(appId, message, attempt ? attemptNote(appId, attempt) : h('span', { testid: 'test-event-no-attempt' }, 'no attempt yet; the message page shows it when it comes.')));
      // The stats and the message list need not wait for the next live round to show it.
      if (attempt) onAttempt();
    },
  });

  return h(
    'section',
    { class: 'section', testid: 'test-event-section' },
    h('h2', {}, 'Send a test event'),
    h('p', { class: 'muted' }, 'Sent to the application as a message: every endpoint subscribed to this event type receives it, this one included.'),
    endpoint.disabled ? h('p', { class: 'notice notice-expired', testid: 'test-event-disabled' }, 'This endpoint is disabled: nothing is sent to it until it is enabled.') : null,
    form,
    result,
  );
}

function sentNote(appId, message, outcome) {
  return h(
    'p',
    { class: 'notice' },
    'Sent ',
    h('a', { href: links.message(appId, message.id), class: 'id', testid: 'test-event-message-link' }, message.id),
    ': ',
    outcome,
  );
}

function attemptNote(appId, attempt) {
  return h(
    'span',
    { testid: 'test-event-attempt', 'data-status': String(attempt.status) },
    statusBadge(attempt.status, attempt.statusText),
    ` ${attempt.responseStatusCode || 'no response'} in ${formatDuration(attempt.responseDurationMs)} · `,
    h('a', { href: links.attempt(appId, attempt.msgId, attempt.id), testid: 'test-event-attempt-link' }, 'see the attempt'),
  );
}

async function watchForAttempt(api, appId, msgId, endpointId, signal) {
  const deadline = Date.now() + WATCH_MS;
  while (Date.now() < deadline) {
    await sleep(POLL_MS, signal);
    const list = await api.get(apiPath`/app/${appId}/attempt/msg/${msgId}`, { endpoint_id: endpointId, limit: 10 }, signal);
    const attempt = list?.data?.find((entry) => entry.endpointId === endpointId);
    if (attempt) return attempt;
  }
  return null;
}
