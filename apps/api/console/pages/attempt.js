import { apiPath } from '../api.js';
import { h } from '../dom.js';
import { NO_VALUE, TRIGGER_TYPE, displayHeaders, formatDuration } from '../format.js';
import { links } from '../routes.js';
import { facts, idText, loadInto, statusBadge, time } from '../views.js';
import { applicationHeader } from './application-header.js';
import { responseBody } from './message.js';

/**
 * One attempt: what was sent (the request headers, signatures redacted by the API and again here),
 * what came back (the body and headers), how long it took, what triggered it, and when its delivery tries next.
 */
export async function attemptPage({ api, route, signal, container }) {
  const { appId, msgId, attemptId } = route;
  document.title = `Attempt ${attemptId} · Idem console`;
  container.setAttribute('data-testid', 'attempt-page');
  const body = h('div');
  container.append(
    applicationHeader({
      api,
      appId,
      signal,
      title: attemptId,
      testid: 'attempt-title',
      crumbs: [
        ['Messages', links.messages(appId)],
        [msgId, links.message(appId, msgId)],
      ],
    }),
    body,
  );
  await loadInto(
    body,
    signal,
    async () => {
      const [attempt, deliveries] = await Promise.all([
        api.get(apiPath`/app/${appId}/msg/${msgId}/attempt/${attemptId}`, {}, signal),
        api.get(apiPath`/app/${appId}/msg/${msgId}/endpoint`, { limit: 250 }, signal).catch(() => null),
      ]);
      return { attempt, delivery: deliveries?.data?.find((endpoint) => endpoint.id === attempt.endpointId) ?? null };
    },
    ({ attempt, delivery }) => attemptView(appId, attempt, delivery),
  );
}

function attemptView(appId, attempt, delivery) {
  const requestHeaders = displayHeaders(attempt.requestHeaders);
  return h(
    'div',
    { class: 'attempt-page' },
    h(
      'div',
      { class: 'card' },
      facts(
        [
          ['Status', statusBadge(attempt.status, attempt.statusText), 'attempt-status'],
          ['Response code', attempt.responseStatusCode ? String(attempt.responseStatusCode) : 'no response', 'attempt-status-code'],
          ['Duration', formatDuration(attempt.responseDurationMs), 'attempt-duration'],
          ['Trigger', `${TRIGGER_TYPE[attempt.triggerType] ?? NO_VALUE}${attempt.triggerType === 1 ? ' (a resend or recovery)' : ''}`, 'attempt-trigger'],
          ['Attempt', attempt.attemptNumber ? `#${attempt.attemptNumber}` : null, 'attempt-number'],
          ['Sent', time(attempt.timestamp), 'attempt-time'],
          ['URL', h('span', { class: 'endpoint-url' }, attempt.url ?? NO_VALUE)],
          ['Endpoint', h('a', { href: links.endpoint(appId, attempt.endpointId), class: 'id' }, attempt.endpointId)],
          ['Message', h('a', { href: links.message(appId, attempt.msgId), class: 'id', testid: 'attempt-message-link' }, attempt.msgId)],
          ['Attempt ID', idText(attempt.id)],
          ['Error', attempt.error || null, 'attempt-error'],
          ['Next attempt', nextAttempt(attempt, delivery), 'attempt-next'],
        ],
        'attempt-facts',
      ),
    ),
    h('section', { class: 'section' }, h('h2', {}, 'Response body'), responseBody(attempt.response, false)),
    h(
      'section',
      { class: 'section' },
      h('h2', {}, 'Response headers'),
      responseHeaders(attempt),
    ),
    h(
      'section',
      { class: 'section' },
      h('h2', {}, 'Request headers'),
      requestHeaders.length ? headersTable(requestHeaders, 'attempt-request-headers') : h('p', { class: 'muted' }, 'None recorded.'),
      h('p', { class: 'muted' }, 'Signatures and credentials are redacted.'),
    ),
  );
}

/** The API keeps at most 50 headers and 8 KiB of them, with cookies redacted; none when no response came or once expunged. */
function responseHeaders(attempt) {
  const headers = attempt.responseHeaders;
  if (headers && typeof headers === 'object') {
    const shown = displayHeaders(headers);
    return shown.length ? headersTable(shown, 'attempt-response-headers') : h('p', { class: 'muted', testid: 'attempt-response-headers-missing' }, 'The response had no headers.');
  }
  const why =
    attempt.response === 'EXPUNGED'
      ? 'Expunged with the response body.'
      : !attempt.responseStatusCode
        ? 'No response came.'
        : 'Not recorded: this attempt was made before Idem kept response headers.';
  return h('p', { class: 'muted', testid: 'attempt-response-headers-missing' }, why);
}

/** The delivery's own next attempt is the truth (a resend since may have changed it); the attempt's is a fallback. */
function nextAttempt(attempt, delivery) {
  const next = delivery ? delivery.nextAttempt : attempt.nextAttempt;
  if (next) return time(next);
  if (delivery?.status === 0) return 'none: delivered';
  if (delivery?.status === 2) return 'none: every scheduled attempt failed (resend or recover to try again)';
  if (delivery?.status === 4) return 'none: canceled';
  return attempt.status === 0 ? 'none: delivered' : NO_VALUE;
}

export function headersTable(headers, testid) {
  return h(
    'table',
    { class: 'headers-table card', testid },
    h(
      'tbody',
      {},
      headers.map(([name, value]) => h('tr', {}, h('th', { scope: 'row' }, name), h('td', {}, value))),
    ),
  );
}
