import { apiPath } from '../api.js';
import { h, replace } from '../dom.js';
import { EXPUNGED_RESPONSE, NO_VALUE, TRIGGER_TYPE, displayHeaders, formatDuration, isExpiredPayload, prettyJson } from '../format.js';
import { links } from '../routes.js';
import { dataTable, deliveryBadge, emptyState, errorState, facts, idText, loadInto, sleep, statusBadge, tagList, time } from '../views.js';
import { liveRefresh, redrawer } from '../live.js';
import { applicationHeader } from './application-header.js';

/** How long the page watches for the attempt a resend makes, and how often it looks. */
const RESEND_WATCH_MS = 30_000;
const RESEND_POLL_MS = 1_000;

/**
 * One message: its payload, the endpoints it went to (with a resend each) and every attempt,
 * with the response each endpoint gave. Payloads and response bodies come from outside and are
 * only ever shown as text. Once the payload's retention has run out there is nothing to show or
 * resend, and the page says so.
 */
export async function messagePage({ api, route, signal, container }) {
  const { appId, msgId } = route;
  document.title = `Message ${msgId} · Idem console`;
  container.setAttribute('data-testid', 'message-detail-page');
  const summary = h('div');
  const deliveries = h('div');
  const attempts = h('div');
  const live = h('div', { class: 'live' });
  container.append(
    applicationHeader({ api, appId, signal, title: msgId, testid: 'message-title', crumbs: [['Messages', links.messages(appId)]] }),
    live,
    summary,
    h('section', { class: 'section' }, h('h2', {}, 'Endpoints'), deliveries),
    h(
      'section',
      { class: 'section' },
      h(
        'div',
        { class: 'section-head' },
        h('h2', {}, 'Attempts'),
        h('button', { type: 'button', class: 'button button-small', testid: 'attempts-refresh', on: { click: () => showAttempts() } }, 'Refresh'),
      ),
      attempts,
    ),
  );

  // The message is asked for once and shared: the endpoints and attempts need to know whether its
  // payload has expired. A failure is asked again on the next use.
  let messageRequest = null;
  const loadMessage = () =>
    (messageRequest ??= api.get(apiPath`/app/${appId}/msg/${msgId}`, {}, signal).catch((error) => {
      messageRequest = null;
      throw error;
    }));
  // The summary reports the message's own failure; the other sections then show what they can.
  const payloadExpired = () => loadMessage().then((message) => isExpiredPayload(message?.payload), () => false);
  const entityStale = () => loadMessage().then((message) => message?.entity?.stale === true, () => false);

  const attemptsView = redrawer(attempts, signal);
  const loadAttempts = async () =>
    attemptsView.drawn({ list: await listAttempts(api, appId, msgId, signal), expired: await payloadExpired(), stale: await entityStale() });
  const drawAttempts = ({ list, expired, stale }) => attemptList(appId, list, expired, stale);
  const showAttempts = () => loadInto(attempts, signal, loadAttempts, drawAttempts);

  /** What each endpoint's last resend came to; kept here because the table is redrawn afterwards. */
  const resendNotes = new Map();

  const deliveriesView = redrawer(deliveries, signal);
  const loadDeliveries = async () =>
    deliveriesView.drawn({
      list: await api.get(apiPath`/app/${appId}/msg/${msgId}/endpoint`, { limit: 250 }, signal),
      expired: await payloadExpired(),
      stale: await entityStale(),
    });
  const drawDeliveries = ({ list, expired, stale }) =>
    list?.data?.length
      ? deliveryTable(appId, list.data, resendNotes, expired, (endpoint, feedback, button) => resend(endpoint, feedback, button))
      : stale
        ? emptyState('This message went to no endpoint.', 'It is a stale state of its entity: a version at least as new had been accepted before it.', 'message-endpoints-stale')
        : emptyState('This message went to no endpoint.', 'No enabled endpoint subscribed to its event type and channels when it was sent.');
  const showDeliveries = () => loadInto(deliveries, signal, loadDeliveries, drawDeliveries);
  // A resend watches for its own attempt and redraws when it comes; live refresh waits for it.
  let resending = 0;

  async function resend(endpoint, feedback, button) {
    const note = (content) => {
      resendNotes.set(endpoint.id, content);
      replace(feedback, content);
    };
    button.disabled = true;
    resending += 1;
    note('Resending…');
    try {
      const before = new Set((await listAttempts(api, appId, msgId, signal)).data?.map((attempt) => attempt.id) ?? []);
      const answer = await api.post(apiPath`/app/${appId}/msg/${msgId}/endpoint/${endpoint.id}/resend`, undefined, signal);
      const detail = answer?.detail ? resendDetail(answer) : null;
      if (NOT_RESENT.has(answer?.idemStatus)) {
        note(detail);
        return;
      }
      note([detail, 'Resend queued; waiting for the attempt…']);
      const attempt = await watchForAttempt(api, appId, msgId, endpoint.id, before, signal);
      if (signal.aborted) return;
      if (attempt) {
        note([detail, `New attempt: ${attempt.statusText ?? attempt.status} ${attempt.responseStatusCode || ''}`.trim()]);
      } else {
        note([detail, 'Resend queued; no attempt yet. Refresh later.']);
      }
      await Promise.all([showAttempts(), showDeliveries()]);
    } catch (error) {
      if (signal.aborted || error?.name === 'AbortError') return;
      note(errorState(error, { testid: 'resend-error' }));
    } finally {
      button.disabled = false;
      resending -= 1;
    }
  }

  await Promise.all([
    loadInto(summary, signal, loadMessage, messageSummary),
    showDeliveries(),
    showAttempts(),
  ]);
  if (signal.aborted) return;
  live.replaceChildren(
    liveRefresh(signal, async () => {
      if (resending > 0) return;
      await Promise.all([deliveriesView.refresh(loadDeliveries, drawDeliveries), attemptsView.refresh(loadAttempts, drawAttempts)]);
    }),
  );
}

function listAttempts(api, appId, msgId, signal) {
  return api.get(apiPath`/app/${appId}/attempt/msg/${msgId}`, { limit: 250 }, signal);
}

/** Polls until an attempt for `endpointId` that was not there before appears, or gives up. */
async function watchForAttempt(api, appId, msgId, endpointId, seen, signal) {
  const deadline = Date.now() + RESEND_WATCH_MS;
  while (Date.now() < deadline) {
    await sleep(RESEND_POLL_MS, signal);
    const list = await listAttempts(api, appId, msgId, signal);
    const fresh = list?.data?.find((attempt) => attempt.endpointId === endpointId && !seen.has(attempt.id));
    if (fresh) return fresh;
  }
  return null;
}

function messageSummary(message) {
  return h(
    'div',
    { class: 'message-summary' },
    facts(
      [
        ['Event type', h('strong', {}, message.eventType ?? NO_VALUE), 'message-event-type'],
        ['Message ID', idText(message.id)],
        ['Event ID', message.eventId ? h('code', {}, message.eventId) : NO_VALUE],
        ['Channels', tagList(message.channels, NO_VALUE)],
        ['Sent', time(message.timestamp)],
        ...entityFacts(message.entity),
      ],
      'message-facts',
    ),
    message.entity?.stale ? staleNotice(message.entity) : null,
    h('h2', {}, 'Payload'),
    message.schemaViolations?.length ? schemaViolationsPanel(message.schemaViolations) : null,
    isExpiredPayload(message.payload)
      ? h(
          'div',
          { class: 'notice notice-expired', testid: 'payload-expired' },
          h('p', { class: 'strong' }, 'Payload expired (retention)'),
          h('p', {}, "Its retention period ran out and Idem removed it, with the endpoints' response bodies. The message and its attempts are kept; it cannot be resent."),
        )
      : h('pre', { class: 'code-block', testid: 'message-payload' }, prettyJson(message.payload)),
  );
}

/**
 * Idem's `entity`, on a message of an event type with a retry-safety contract: which entity the
 * payload is the state of (or a change to), read from it by the contract's pointers.
 */
function entityFacts(entity) {
  if (!entity) return [];
  return [
    ['Entity', h('strong', {}, entity.name), 'message-entity-name'],
    ['Entity ID', h('code', {}, entity.id), 'message-entity-id'],
    ['Version', entity.version === null || entity.version === undefined ? NO_VALUE : String(entity.version), 'message-entity-version'],
  ];
}

/**
 * A stale state is kept and listed like any message, but Idem sent it nowhere: delivering it after
 * the newer one would overwrite that state downstream.
 */
function staleNotice(entity) {
  return h(
    'div',
    { class: 'notice notice-stale', testid: 'entity-stale', role: 'note' },
    h('p', { class: 'strong' }, 'Accepted but not sent: a newer version had been accepted'),
    h(
      'p',
      {},
      `When this message arrived, Idem had already accepted a state of ${entity.name} ${entity.id} at version ${entity.version ?? NO_VALUE} or newer. `,
      'It was accepted (202) and is kept, but it was sent to no endpoint, so it cannot overwrite the newer state downstream.',
    ),
  );
}

/**
 * Idem records `schemaViolations` only on a message of an event type that observes its schema: the
 * payload was accepted and delivered anyway, so the page says so before it says where it broke.
 */
function schemaViolationsPanel(violations) {
  return h(
    'div',
    { class: 'notice notice-violations', testid: 'schema-violations', role: 'note' },
    h('p', { class: 'strong' }, 'Payload broke its schema (observed)'),
    h('p', {}, 'Accepted and delivered anyway: its event type observes its schema rather than enforcing it. Where the payload broke the newest version when it was sent:'),
    dataTable({
      testid: 'schema-violations-table',
      rows: violations,
      rowAttributes: (violation) => ({ testid: 'schema-violation', 'data-pointer': violation.pointer }),
      columns: [
        { label: 'Pointer', cell: (violation) => h('code', { testid: 'schema-violation-pointer' }, violation.pointer) },
        { label: 'Rule', cell: (violation) => h('code', { testid: 'schema-violation-rule' }, violation.rule) },
        { label: 'Message', cell: (violation) => h('span', { testid: 'schema-violation-message' }, violation.message) },
      ],
    }),
  );
}

const EXPIRED_RESEND_HINT = 'The payload has expired (retention): there is nothing to resend.';

function deliveryTable(appId, endpoints, notes, payloadExpired, onResend) {
  return dataTable({
    testid: 'message-endpoints-table',
    rows: endpoints,
    rowAttributes: (endpoint) => ({ testid: 'message-endpoint-row', 'data-endpoint-id': endpoint.id }),
    columns: [
      { label: 'Endpoint', cell: (endpoint) => h('span', { class: 'endpoint-url' }, endpoint.url ?? endpoint.id) },
      {
        label: 'Status',
        cell: (endpoint) =>
          h(
            'span',
            { class: 'delivery-status', testid: 'message-endpoint-status', 'data-idem-status': endpoint.idemStatus ?? null },
            deliveryBadge(endpoint),
            endpoint.idemStatus === 'superseded' ? supersededBy(appId, endpoint.supersededBy) : null,
            STATUS_NOTES[endpoint.idemStatus] ? h('span', { class: 'muted status-note', testid: 'status-note' }, STATUS_NOTES[endpoint.idemStatus]) : null,
          ),
      },
      { label: 'Next attempt', cell: (endpoint) => (endpoint.nextAttempt ? time(endpoint.nextAttempt) : null) },
      {
        label: 'Resend',
        class: 'cell-actions',
        cell: (endpoint) => {
          const feedback = h('span', { class: 'resend-feedback', testid: 'resend-feedback', role: 'status' }, notes.get(endpoint.id) ?? null);
          if (payloadExpired) {
            // A disabled button gets no pointer events in some browsers: the wrapper carries the tooltip too.
            const button = h('button', { type: 'button', class: 'button button-small', testid: 'resend-button', disabled: true, title: EXPIRED_RESEND_HINT }, 'Resend');
            return h('span', { class: 'resend', title: EXPIRED_RESEND_HINT }, button, feedback);
          }
          const button = h('button', { type: 'button', class: 'button button-small', testid: 'resend-button' }, 'Resend');
          button.addEventListener('click', () => onResend(endpoint, feedback, button));
          return h('span', { class: 'resend' }, button, feedback);
        },
      },
    ],
  });
}

/** Svix shows a stale delivery as a success, a queued one as pending and a blocked one as failed; Idem says why. */
const STATUS_NOTES = {
  stale: ' the receiver answered that it holds this version of the entity or a newer one',
  queued: ' waiting behind an earlier message of its entity',
  blocked: ' blocking its entity’s later messages: resend it to let them go',
};

/** The resend answers with these `idemStatus` when it sent nothing: the delivery would take the receiver back to an older state. */
const NOT_RESENT = new Set(['superseded', 'stale']);

/** Svix's resend answers `{}`; Idem's adds a `detail` where the resend is not an ordinary one. */
function resendDetail(answer) {
  return h('span', { class: 'resend-detail', testid: 'resend-detail', 'data-idem-status': answer.idemStatus ?? null }, answer.detail);
}

/** Svix shows a superseded delivery as canceled; Idem says why, and which message carried the newer state. */
function supersededBy(appId, msgId) {
  return h(
    'span',
    { class: 'superseded-by', testid: 'superseded-by' },
    'superseded by ',
    msgId ? h('a', { href: links.message(appId, msgId), class: 'id', testid: 'superseded-by-link' }, msgId) : 'a newer state',
  );
}

function attemptList(appId, list, payloadExpired, stale) {
  if (!list?.data?.length && stale) return emptyState('No attempts.', 'A stale state is never sent.', 'attempts-stale');
  if (!list?.data?.length) return emptyState('No attempts yet.', 'The worker sends the first attempt within moments of the message being accepted.');
  return h(
    'div',
    { class: 'attempts', testid: 'attempts-list' },
    list.data.map((attempt) => attemptCard(appId, attempt, payloadExpired)),
    list.done === false ? h('p', { class: 'muted' }, 'Only the newest 250 attempts are shown.') : null,
  );
}

function attemptCard(appId, attempt, payloadExpired) {
  const headers = displayHeaders(attempt.requestHeaders);
  return h(
    'article',
    { class: 'card attempt', testid: 'attempt-row', 'data-attempt-id': attempt.id, 'data-endpoint-id': attempt.endpointId, 'data-status': String(attempt.status) },
    h(
      'div',
      { class: 'attempt-head' },
      statusBadge(attempt.status, attempt.statusText),
      h('span', { class: 'attempt-code', testid: 'attempt-status-code' }, attempt.responseStatusCode ? String(attempt.responseStatusCode) : 'no response'),
      h('span', { testid: 'attempt-duration' }, formatDuration(attempt.responseDurationMs)),
      time(attempt.timestamp),
      h('span', { class: 'muted' }, [attempt.attemptNumber ? `attempt #${attempt.attemptNumber}` : null, TRIGGER_TYPE[attempt.triggerType]].filter(Boolean).join(' · ')),
      h('a', { class: 'button button-small attempt-details', href: links.attempt(appId, attempt.msgId, attempt.id), testid: 'attempt-link' }, 'Details'),
    ),
    h('p', { class: 'attempt-url' }, h('span', { class: 'endpoint-url' }, attempt.url ?? NO_VALUE), ' ', idText(attempt.id)),
    attempt.error ? h('p', { class: 'attempt-error', testid: 'attempt-error' }, attempt.error) : null,
    h('h3', {}, 'Response body'),
    responseBody(attempt.response, payloadExpired),
    headers.length
      ? h(
          'details',
          { class: 'request-headers' },
          h('summary', {}, `Request headers (${headers.length})`),
          h('table', { class: 'headers-table', testid: 'attempt-request-headers' }, h('tbody', {}, headers.map(([name, value]) => h('tr', {}, h('th', { scope: 'row' }, name), h('td', {}, value))))),
        )
      : null,
  );
}

export function responseBody(response, payloadExpired) {
  // `EXPUNGED` is Idem's word only when the payload went too; a receiver may answer it itself.
  if (payloadExpired && response === EXPUNGED_RESPONSE) {
    return h('p', { class: 'muted', testid: 'attempt-response', 'data-expunged': 'true' }, 'Expunged with the payload (retention)');
  }
  if (!response) return h('p', { class: 'muted', testid: 'attempt-response' }, 'empty');
  return h('pre', { class: 'code-block code-block-short', testid: 'attempt-response' }, String(response));
}
