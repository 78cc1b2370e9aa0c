import { apiPath } from '../api.js';
import { h, replace } from '../dom.js';
import { NO_VALUE, formatCount, isoToLocalInput, localInputToIso } from '../format.js';
import { links } from '../routes.js';
import { errorState, facts, idText, loadInto, sleep, tagList, time } from '../views.js';
import { applicationHeader } from './application-header.js';
import { endpointState, healthSummary } from './endpoints.js';

const TASK_POLL_MS = 1_000;
const DAY_MS = 24 * 60 * 60 * 1000;

/** One endpoint: what it is, its delivery stats and health, and recovery of what it failed. */
export async function endpointPage({ api, route, params, signal, container }) {
  const { appId, endpointId } = route;
  document.title = `Endpoint ${endpointId} · Idem console`;
  container.setAttribute('data-testid', 'endpoint-detail-page');
  const details = h('div');
  const stats = h('div', { testid: 'endpoint-stats' });
  const progress = h('div', { class: 'task-progress', testid: 'recover-progress', 'aria-live': 'polite' });
  container.append(
    applicationHeader({
      api,
      appId,
      signal,
      title: endpointId,
      testid: 'endpoint-title',
      crumbs: [['Endpoints', links.endpoints(appId)]],
      actions: [h('a', { class: 'button', href: links.messages(appId, { endpoint: endpointId, status: '2' }), testid: 'endpoint-failed-attempts' }, 'Failed attempts')],
    }),
    details,
    h('section', { class: 'section' }, h('h2', {}, 'Delivery stats'), stats),
    h(
      'section',
      { class: 'section' },
      h('h2', {}, 'Recover failed messages'),
      h('p', { class: 'muted' }, 'Sends again every message whose delivery to this endpoint failed in the period.'),
      recoverForm(params, async (body, button) => {
        button.disabled = true;
        replace(progress, 'Starting…');
        try {
          const task = await api.post(apiPath`/app/${appId}/endpoint/${endpointId}/recover`, body, signal);
          // Kept in the URL so a reload or a shared link shows the same task's progress.
          history.replaceState(null, '', links.endpoint(appId, endpointId, { task: task.id }));
          await followTask(api, task, progress, signal);
        } catch (error) {
          if (!signal.aborted && error?.name !== 'AbortError') replace(progress, errorState(error, { testid: 'recover-error' }));
        } finally {
          button.disabled = false;
        }
      }),
      progress,
    ),
  );

  const work = [
    loadInto(details, signal, () => api.get(apiPath`/app/${appId}/endpoint/${endpointId}`, {}, signal), endpointFacts),
    loadInto(stats, signal, () => api.get(apiPath`/app/${appId}/endpoint/${endpointId}/stats`, {}, signal), statsView),
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
}

function endpointFacts(endpoint) {
  const metadata = Object.entries(endpoint.metadata ?? {});
  return h(
    'div',
    { class: 'card' },
    h('p', { class: 'endpoint-url endpoint-url-large', testid: 'endpoint-url' }, endpoint.url ?? NO_VALUE),
    facts(
      [
        ['State', endpointState(endpoint)],
        ['Description', endpoint.description || null],
        ['Endpoint ID', idText(endpoint.id)],
        ['UID', endpoint.uid ? h('code', {}, endpoint.uid) : null],
        ['Event types', tagList(endpoint.filterTypes)],
        ['Channels', tagList(endpoint.channels)],
        ['Version', endpoint.version === undefined ? null : String(endpoint.version)],
        ['Created', time(endpoint.createdAt)],
        ['Updated', time(endpoint.updatedAt)],
        ['Metadata', metadata.length ? h('span', { class: 'tag-list' }, metadata.map(([key, value]) => h('span', { class: 'tag' }, `${key}=${value}`))) : null],
      ],
      'endpoint-facts',
    ),
  );
}

function statsView(stats) {
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
  );
}
