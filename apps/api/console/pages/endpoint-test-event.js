import { apiPath } from '../api.js';
import { h, replace } from '../dom.js';
import { formatDuration, prettyJson } from '../format.js';
import { apiForm, formField } from '../forms.js';
import { links } from '../routes.js';
import { errorState, sleep, statusBadge } from '../views.js';
import { enforcementOf, examplesOf } from './event-types.js';

/** What the chosen event type does with an example that breaks its schema; nothing is said for `off`. */
const ENFORCEMENT_HINT = {
  observe: 'This event type observes its schema: an example that breaks it is sent, and its message records where.',
  enforce: 'This event type enforces its schema: an example that breaks it is refused, and nothing is sent.',
};

const WATCH_MS = 30_000;
const POLL_MS = 1_000;
/** The catalogue is read a page of 250 at a time; past this many pages the choice would be unusable anyway. */
const CATALOGUE_PAGES = 8;

/**
 * Svix's "Testing": sends an event type's example payload to this endpoint alone (`send-example`),
 * whatever its event-type and channel filters, then watches for the attempt and links to it. Any type
 * of the catalogue can be sent; those the endpoint takes come first. The payload is the example as the
 * event type holds it (send-example takes no payload), so it is shown, not edited.
 *
 * Answers the section and `endpointChanged`, which keeps its "disabled" notice in step with the page.
 */
export function testEventSection({ api, appId, endpoint, signal, onAttempt = () => {} }) {
  const body = h('div', {}, h('p', { class: 'muted', testid: 'loading-state' }, 'Loading the event types…'));
  const disabled = h('p', { class: 'notice notice-expired', testid: 'test-event-disabled' }, 'This endpoint is disabled: the API refuses to send it a test event until it is enabled.');
  const endpointChanged = (updated) => {
    disabled.hidden = !updated.disabled;
  };
  endpointChanged(endpoint);
  const section = h(
    'section',
    { class: 'section', testid: 'test-event-section' },
    h('h2', {}, 'Send a test event'),
    h('p', { class: 'muted' }, 'Sends the example payload of an event type to this endpoint only; no other endpoint receives it.'),
    disabled,
    body,
  );
  loadCatalogue(api, signal)
    .then((catalog) => {
      if (signal.aborted) return;
      replace(body, catalog.length ? testEventForm({ api, appId, endpoint, catalog, signal, onAttempt }) : emptyCatalogue());
    })
    .catch((error) => {
      if (!signal.aborted && error?.name !== 'AbortError') replace(body, errorState(error, { testid: 'test-event-catalogue-error' }));
    });
  return { section, endpointChanged };
}

async function loadCatalogue(api, signal) {
  const types = [];
  let iterator;
  for (let page = 0; page < CATALOGUE_PAGES; page += 1) {
    const list = await api.get('/event-type', { limit: 250, iterator }, signal);
    types.push(...(list?.data ?? []).filter((type) => !type.archived));
    if (list?.done !== false || !list.iterator) break;
    iterator = list.iterator;
  }
  return types;
}

function emptyCatalogue() {
  return h(
    'p',
    { class: 'notice', testid: 'test-event-no-types' },
    'The catalogue holds no event types. A test event sends an event type’s example: create one, with an example payload, under ',
    h('a', { href: links.eventTypes() }, 'Event types'),
    '.',
  );
}

function testEventForm({ api, appId, endpoint, catalog, signal, onAttempt }) {
  const result = h('div', { class: 'test-event-result', testid: 'test-event-result', 'aria-live': 'polite' });
  const taken = new Set(endpoint.filterTypes ?? []);
  const option = (type) => h('option', { value: type.name }, type.description ? `${type.name} · ${type.description}` : type.name);
  const ownTypes = catalog.filter((type) => taken.has(type.name));
  const otherTypes = catalog.filter((type) => !taken.has(type.name));
  const eventType = h(
    'select',
    {},
    ownTypes.length
      ? [h('optgroup', { label: 'Taken by this endpoint' }, ownTypes.map(option)), otherTypes.length ? h('optgroup', { label: 'Other event types' }, otherTypes.map(option)) : null]
      : catalog.map(option),
  );
  const exampleIndex = h('select', {});
  const exampleField = formField({ name: 'exampleIndex', label: 'Example', control: exampleIndex });
  const preview = h('pre', { class: 'code-block code-block-short', tabindex: '0' });
  const previewNote = h('span', { testid: 'test-event-example-note' });
  const enforcementHint = h('span', { testid: 'test-event-enforcement' });
  const chosenType = () => catalog.find((type) => type.name === eventType.value);

  const showExample = () => {
    const examples = examplesOf(chosenType());
    const example = examples[Number(exampleIndex.value) || 0];
    // Without examples the API sends an empty object, as Svix does.
    preview.textContent = prettyJson(example === undefined ? {} : example);
  };
  const showType = () => {
    const type = chosenType();
    const examples = examplesOf(type);
    replace(
      exampleIndex,
      examples.map((_, index) => h('option', { value: String(index) }, `Example ${index + 1} of ${examples.length}`)),
    );
    exampleField.hidden = examples.length < 2;
    replace(
      previewNote,
      examples.length
        ? 'The event type’s example, sent as it is; edit it on the '
        : 'This event type has no example, so an empty object is sent; add one on the ',
      h('a', { href: links.eventType(type.name), testid: 'test-event-type-link' }, 'event type’s page'),
      '.',
    );
    replace(enforcementHint, ENFORCEMENT_HINT[enforcementOf(type)] ?? '');
    showExample();
  };
  eventType.addEventListener('change', showType);
  exampleIndex.addEventListener('change', showExample);
  if (ownTypes.length) eventType.value = ownTypes[0].name;
  showType();

  const form = apiForm({
    testid: 'test-event-form',
    className: 'test-event-form',
    submitLabel: 'Send test event',
    fields: [
      formField({
        name: 'eventType',
        label: 'Event type',
        control: eventType,
        hint: endpoint.filterTypes?.length || endpoint.channels?.length ? 'Any type of the catalogue: a test event ignores the endpoint’s event-type and channel filters.' : null,
      }),
      exampleField,
      // Named after the API's `loc` (["body", "payload", …]) for an example an enforced schema refuses.
      formField({ name: 'payload', label: 'Payload', control: preview, hint: h('span', {}, previewNote, ' ', enforcementHint) }),
    ],
    submit: async () => {
      const request = { eventType: eventType.value };
      if (!exampleField.hidden) request.exampleIndex = Number(exampleIndex.value);
      replace(result, h('p', { class: 'muted' }, 'Sending…'));
      let message;
      try {
        message = await api.post(apiPath`/app/${appId}/endpoint/${endpoint.id}/send-example`, request, signal);
      } catch (error) {
        // Nothing was sent: the form shows why (404 type gone, 409 disabled, 422 at the payload).
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
  return h('div', {}, form, result);
}

function sentNote(appId, message, outcome) {
  return h(
    'p',
    { class: 'notice' },
    'Sent ',
    h('a', { href: links.message(appId, message.id), class: 'id', testid: 'test-event-message-link' }, message.id),
    ' to this endpoint: ',
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
