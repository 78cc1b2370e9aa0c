import { apiPath } from '../api.js';
import { h, replace } from '../dom.js';
import { NO_VALUE, formatCount, formatThrottleRate, isoToLocalInput, localInputToIso } from '../format.js';
import { confirmButton } from '../forms.js';
import { liveRefresh, redrawer } from '../live.js';
import { links, navigate, withParams } from '../routes.js';
import { errorState, facts, idText, loadInto, sleep, tagList, time } from '../views.js';
import { applicationHeader } from './application-header.js';
import { RETRY_FAILED_DAYS, endpointMessagesSection } from './endpoint-messages.js';
import { testEventSection } from './endpoint-test-event.js';
import { signingSecretSection } from './endpoint-secret.js';
import { endpointState, healthSummary } from './endpoints.js';

const TASK_POLL_MS = 1_000;
const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * One endpoint: what it is (its headers listed, its rate limit editable), its signing secret on demand, its delivery stats
 * and health, the messages sent to it, and recovery of what it failed.
 */
export async function endpointPage({ api, route, params, signal, container }) {
  const { appId, endpointId } = route;
  document.title = `Endpoint ${endpointId} · Idem console`;
  container.setAttribute('data-testid', 'endpoint-detail-page');
  const details = h('div');
  const stats = h('div', { testid: 'endpoint-stats' });
  const progress = h('div', { class: 'task-progress', testid: 'recover-progress', 'aria-live': 'polite' });
  const live = h('div', { class: 'live' });
  const testEvent = h('div');

  /** Starts a recovery and follows its task; the task goes into the URL so a reload or a shared link shows it. */
  const recover = async (body, button) => {
    button.disabled = true;
    replace(progress, 'Starting…');
    progress.scrollIntoView?.({ block: 'nearest' });
    try {
      const task = await api.post(apiPath`/app/${appId}/endpoint/${endpointId}/recover`, body, signal);
      history.replaceState(null, '', links.endpoint(appId, endpointId, withParams(params, { task: task.id })));
      await followTask(api, task, progress, signal);
    } catch (error) {
      if (!signal.aborted && error?.name !== 'AbortError') replace(progress, errorState(error, { testid: 'recover-error' }));
    } finally {
      button.disabled = false;
    }
  };
  const messages = endpointMessagesSection({
    api,
    appId,
    endpointId,
    params,
    signal,
    onRetryFailed: (button) => recover({ since: new Date(Date.now() - RETRY_FAILED_DAYS * DAY_MS).toISOString() }, button),
  });
  container.append(
    applicationHeader({
      api,
      appId,
      signal,
      title: endpointId,
      testid: 'endpoint-title',
      crumbs: [['Endpoints', links.endpoints(appId)]],
      actions: [
        h('a', { class: 'button', href: links.messages(appId, { endpoint: endpointId, status: '2' }), testid: 'endpoint-failed-attempts' }, 'Failed attempts'),
        h('a', { class: 'button', href: links.editEndpoint(appId, endpointId), testid: 'endpoint-edit' }, 'Edit'),
      ],
    }),
    live,
    details,
    h('section', { class: 'section' }, h('h2', {}, 'Delivery stats'), stats),
    messages.section,
    testEvent,
    h(
      'section',
      { class: 'section' },
      h('h2', {}, 'Recover failed messages'),
      h('p', { class: 'muted' }, 'Sends again every message whose delivery to this endpoint failed in the period.'),
      recoverForm(params, recover),
      progress,
    ),
  );

  const statsView = redrawer(stats, signal);
  const loadStats = async () => statsView.drawn(await api.get(apiPath`/app/${appId}/endpoint/${endpointId}/stats`, {}, signal));
  const refreshLive = () => Promise.all([statsView.refresh(loadStats, statsBody), messages.refresh()]);
  const work = [
    loadInto(
      details,
      signal,
      () => loadEndpoint(api, appId, endpointId, signal),
      // The secret's controls appear only beside an endpoint the token may see.
      (loaded) => {
        // Drawn further down the page, once the endpoint's event types and state are known.
        const test = testEventSection({ api, appId, endpoint: loaded.endpoint, signal, onAttempt: () => refreshLive().catch(() => {}) });
        testEvent.replaceChildren(test.section);
        return h('div', {}, endpointCard({ api, appId, endpointId, signal, ...loaded, onChanged: test.endpointChanged }), signingSecretSection({ api, appId, endpointId, signal }));
      },
    ),
    loadInto(stats, signal, loadStats, statsBody),
    messages.loaded,
  ];
  const taskId = params.get('task');
  if (taskId) {
    work.push(
      api
        .get(apiPath`/background-task/${taskId}`, {}, signal)
        .then((task) => followTask(api, task, progress, signal))
        .catch((error) => {
          if (!signal.aborted && error?.name !== 'AbortError') replace(progress, errorState(error, { testid: 'recover-error' }));
        }),
    );
  }
  await Promise.all(work);
  if (signal.aborted) return;
  // The stats and the messages follow deliveries as they happen; the endpoint's own facts and
  // forms are left alone, since someone may be typing in them.
  live.replaceChildren(liveRefresh(signal, refreshLive));
}

/**
 * The endpoint, its application for the rate limit it inherits, and its headers; the page does
 * without the last two.
 */
async function loadEndpoint(api, appId, endpointId, signal) {
  const [endpoint, application, headers] = await Promise.all([
    api.get(apiPath`/app/${appId}/endpoint/${endpointId}`, {}, signal),
    api.get(apiPath`/app/${appId}`, {}, signal).catch(() => null),
    api.get(apiPath`/app/${appId}/endpoint/${endpointId}/headers`, {}, signal).catch(() => null),
  ]);
  return { endpoint, application, headers };
}

/** The endpoint's facts; saving its rate limit redraws them from the API's answer. */
function endpointCard({ api, appId, endpointId, signal, endpoint, application, headers, onChanged }) {
  let card;
  const onSaved = (updated) => {
    const next = endpointCard({ api, appId, endpointId, signal, endpoint: updated, application, headers, onChanged });
    card.replaceWith(next);
    card = next;
    onChanged(updated);
  };
  card = endpointFacts(endpoint, headers, throttleRateEditor({ api, appId, endpointId, signal, endpoint, application, onSaved }), endpointActions({ api, appId, endpointId, signal, endpoint, onSaved }));
  return card;
}

/** Disable or enable (a PATCH of `disabled`), and delete after a confirmation. */
function endpointActions({ api, appId, endpointId, signal, endpoint, onSaved }) {
  const feedback = h('div', { class: 'endpoint-action-feedback' });
  const toggle = h('button', { type: 'button', class: 'button button-small', testid: endpoint.disabled ? 'endpoint-enable' : 'endpoint-disable' }, endpoint.disabled ? 'Enable' : 'Disable');
  toggle.addEventListener('click', async () => {
    toggle.disabled = true;
    replace(feedback);
    try {
      const updated = await api.patch(apiPath`/app/${appId}/endpoint/${endpointId}`, { disabled: !endpoint.disabled }, signal);
      if (!signal.aborted) onSaved(updated);
    } catch (error) {
      if (signal.aborted || error?.name === 'AbortError') return;
      replace(feedback, errorState(error, { testid: 'endpoint-action-error' }));
      toggle.disabled = false;
    }
  });
  const remove = confirmButton({
    label: 'Delete',
    small: true,
    question: 'Delete this endpoint? Its secret goes, and messages are no longer sent to it. This cannot be undone.',
    confirmLabel: 'Delete for good',
    testid: 'endpoint-delete',
    action: async () => {
      await api.delete(apiPath`/app/${appId}/endpoint/${endpointId}`, {}, signal);
      navigate(links.endpoints(appId));
    },
  });
  return h('div', { class: 'endpoint-actions' }, h('div', { class: 'filter-actions' }, toggle, remove), feedback);
}

function endpointFacts(endpoint, headers, throttleRate, actions) {
  const metadata = Object.entries(endpoint.metadata ?? {});
  return h(
    'div',
    { class: 'card' },
    h('div', { class: 'endpoint-card-head' }, h('p', { class: 'endpoint-url endpoint-url-large', testid: 'endpoint-url' }, endpoint.url ?? NO_VALUE), actions),
    facts(
      [
        ['State', endpointState(endpoint)],
        ['Description', endpoint.description || null],
        ['Endpoint ID', idText(endpoint.id)],
        ['UID', endpoint.uid ? h('code', {}, endpoint.uid) : null],
        ['Event types', tagList(endpoint.filterTypes)],
        ['Channels', tagList(endpoint.channels)],
        ['Headers', headerList(headers)],
        ['Rate limit', throttleRate],
        ['Version', endpoint.version === undefined ? null : String(endpoint.version)],
        ['Created', time(endpoint.createdAt)],
        ['Updated', time(endpoint.updatedAt)],
        ['Metadata', metadata.length ? h('span', { class: 'tag-list' }, metadata.map(([key, value]) => h('span', { class: 'tag' }, `${key}=${value}`))) : null],
      ],
      'endpoint-facts',
    ),
  );
}

/**
 * The custom headers sent with every attempt (`EndpointHeadersOut`). The API answers a sensitive
 * header (`Authorization` and the like) by name only, so its value is said to be hidden, not shown.
 */
function headerList(view) {
  if (!view) return h('span', { class: 'muted', testid: 'endpoint-header-list-unavailable' }, 'not available');
  const shown = Object.entries(view.headers ?? {});
  const sensitive = view.sensitive ?? [];
  if (!shown.length && !sensitive.length) return h('span', { class: 'muted', testid: 'endpoint-header-list-empty' }, 'none');
  return h(
    'ul',
    { class: 'header-list', testid: 'endpoint-header-list' },
    shown.map(([name, value]) => h('li', { testid: 'endpoint-header-item', 'data-name': name }, h('code', {}, name), ': ', h('code', { testid: 'endpoint-header-item-value' }, value))),
    sensitive.map((name) =>
      h('li', { testid: 'endpoint-header-item', 'data-name': name, 'data-sensitive': 'true' }, h('code', {}, name), ': ', h('span', { class: 'muted', testid: 'endpoint-header-item-value' }, 'value hidden (sensitive)')),
    ),
  );
}

/**
 * The endpoint's `throttleRate`, and a form to change it. An endpoint without one is held to its
 * application's, if that has one. The API is the judge of what is valid: whatever is typed is sent
 * (a number when it reads as one), and a 422 is shown as the API gave it.
 */
function throttleRateEditor({ api, appId, endpointId, signal, endpoint, application, onSaved }) {
  const own = endpoint.throttleRate ?? null;
  const inherited = own === null ? (application?.throttleRate ?? null) : null;
  const wrapper = h('div', { class: 'throttle-rate' });
  const edit = h('button', { type: 'button', class: 'button button-small', testid: 'throttle-rate-edit' }, 'Edit');
  const summary = [
    h('span', { testid: 'throttle-rate', 'data-source': own !== null ? 'endpoint' : inherited !== null ? 'application' : 'none' }, formatThrottleRate(own ?? inherited)),
    inherited !== null ? h('span', { class: 'muted', testid: 'throttle-rate-inherited' }, ' from the application (this endpoint has none of its own)') : null,
    ' ',
    edit,
  ];

  const input = h('input', {
    id: 'throttle-rate-input',
    name: 'throttleRate',
    inputmode: 'numeric',
    autocomplete: 'off',
    value: own === null ? '' : String(own),
    placeholder: 'unlimited',
    testid: 'throttle-rate-input',
  });
  const save = h('button', { type: 'submit', class: 'button button-primary button-small', testid: 'throttle-rate-save' }, 'Save');
  const cancel = h('button', { type: 'button', class: 'button button-small', testid: 'throttle-rate-cancel', on: { click: () => replace(wrapper, summary) } }, 'Cancel');
  const feedback = h('div', { class: 'throttle-rate-feedback' });
  const form = h(
    'form',
    {
      class: 'throttle-rate-form',
      testid: 'throttle-rate-form',
      on: {
        submit: async (event) => {
          event.preventDefault();
          save.disabled = true;
          replace(feedback);
          try {
            const updated = await api.patch(apiPath`/app/${appId}/endpoint/${endpointId}`, { throttleRate: throttleRateOf(input.value) }, signal);
            if (!signal.aborted) onSaved(updated);
          } catch (error) {
            if (signal.aborted || error?.name === 'AbortError') return;
            replace(feedback, errorState(error, { testid: 'throttle-rate-error' }));
          } finally {
            save.disabled = false;
          }
        },
      },
    },
    h('label', { for: 'throttle-rate-input' }, 'Messages per second (empty for unlimited)'),
    h('div', { class: 'throttle-rate-controls' }, input, save, cancel),
    feedback,
  );
  edit.addEventListener('click', () => {
    replace(wrapper, form);
    input.focus();
  });
  return replace(wrapper, summary);
}

/** Empty is no limit; a number is sent as one; anything else as typed, for the API to explain. */
function throttleRateOf(text) {
  const trimmed = text.trim();
  if (trimmed === '') return null;
  const number = Number(trimmed);
  return Number.isFinite(number) ? number : trimmed;
}

function statsBody(stats) {
  const tile = (name, label) =>
    h('div', { class: `tile tile-${name}`, testid: `stat-${name}` }, h('span', { class: 'tile-value' }, formatCount(stats?.[name])), h('span', { class: 'tile-label' }, label));
  return h(
    'div',
    { class: 'stats' },
    h('div', { class: 'tiles' }, tile('success', 'succeeded'), tile('fail', 'failed'), tile('pending', 'pending'), tile('sending', 'sending'), tile('canceled', 'canceled')),
    h('div', { class: 'card' }, healthSummary(stats, { large: true })),
  );
}

function recoverForm(params, onSubmit) {
  const defaultSince = isoToLocalInput(new Date(Date.now() - DAY_MS).toISOString());
  const since = h('input', { id: 'recover-since', name: 'since', type: 'datetime-local', required: true, value: isoToLocalInput(params.get('since')) || defaultSince, testid: 'recover-since' });
  const until = h('input', { id: 'recover-until', name: 'until', type: 'datetime-local', value: isoToLocalInput(params.get('until')), testid: 'recover-until' });
  const button = h('button', { type: 'submit', class: 'button button-primary', testid: 'recover-submit' }, 'Recover');
  return h(
    'form',
    {
      class: 'recover card',
      testid: 'recover-form',
      on: {
        submit: (event) => {
          event.preventDefault();
          const body = { since: localInputToIso(since.value) };
          const untilIso = localInputToIso(until.value);
          if (untilIso) body.until = untilIso;
          onSubmit(body, button);
        },
      },
    },
    h('div', { class: 'field' }, h('label', { for: 'recover-since' }, 'Failed since'), since),
    h('div', { class: 'field' }, h('label', { for: 'recover-until' }, 'Until (optional)'), until),
    h('div', { class: 'filter-actions' }, button),
  );
}

/** Shows a background task's progress, asking again every second while it runs. */
async function followTask(api, task, progress, signal) {
  let current = task;
  for (;;) {
    replace(progress, taskView(current));
    if (current?.status !== 'running') return;
    await sleep(TASK_POLL_MS, signal);
    current = await api.get(apiPath`/background-task/${current.id}`, {}, signal);
  }
}

function taskView(task) {
  const total = typeof task?.data?.total === 'number' ? task.data.total : null;
  const done = typeof task?.data?.done === 'number' ? task.data.done : null;
  const status = String(task?.status ?? 'unknown');
  const counts = total !== null ? `${formatCount(done ?? 0)} of ${formatCount(total)} messages` : done !== null ? `${formatCount(done)} messages` : '';
  // Idem extension: recovered deliveries that block an ordered lane, whose later messages go out once they arrive.
  const blockedLanes = typeof task?.data?.blockedLanes === 'number' ? task.data.blockedLanes : 0;
  return h(
    'div',
    { class: `task task-${status}` },
    h(
      'p',
      {},
      h('span', { class: `badge badge-task-${status}`, testid: 'recover-status' }, status),
      ' ',
      h('span', { testid: 'recover-counts' }, counts),
      ' ',
      h('span', { class: 'muted' }, 'task ', idText(task?.id), task?.updatedAt ? [' · updated ', time(task.updatedAt)] : null),
    ),
    total ? h('progress', { max: String(total), value: String(done ?? 0), testid: 'recover-progress-bar' }) : status === 'running' ? h('progress', { testid: 'recover-progress-bar' }) : null,
    blockedLanes > 0
      ? h(
          'p',
          { class: 'task-blocked-lanes', testid: 'recover-blocked-lanes', 'data-count': String(blockedLanes) },
          `Blocked lanes: ${formatCount(blockedLanes)}. The later messages of each go out once its recovered message is delivered.`,
        )
      : null,
  );
}
