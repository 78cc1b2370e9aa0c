import { apiPath, pageQuery } from '../api.js';
import { h } from '../dom.js';
import { links, navigate, withParams } from '../routes.js';
import { dataTable, emptyState, facts, idText, loadInto, pagination, time } from '../views.js';
import { applicationHeader } from './application-header.js';

/** Idem's saga statuses, each with the badge its state deserves. */
const SAGA_BADGE = {
  running: 'badge badge-sending',
  compensating: 'badge badge-pending',
  completed: 'badge badge-success',
  compensated: 'badge badge-pending',
  compensation_failed: 'badge badge-fail',
};

const DELIVERY_BADGE = { succeeded: 'badge badge-success', stale: 'badge badge-success', failed: 'badge badge-fail', canceled: 'badge badge-fail', superseded: 'badge badge-fail', pending: 'badge badge-pending', sending: 'badge badge-sending' };

function sagaBadge(status) {
  return h('span', { class: SAGA_BADGE[status] ?? 'badge', testid: 'saga-status', 'data-status': status }, status.replace('_', ' '));
}

/** `#/app/{id}/sagas`: the application's sagas, newest first, by status. */
export async function sagasPage({ api, route, params, signal, container }) {
  const { appId } = route;
  document.title = `Sagas · ${appId} · Idem console`;
  container.setAttribute('data-testid', 'sagas-page');
  const body = h('div');
  const status = h(
    'select',
    { testid: 'sagas-status', 'aria-label': 'Status' },
    ['', ...Object.keys(SAGA_BADGE)].map((value) => h('option', { value, selected: value === (params.get('status') ?? '') }, value ? value.replace('_', ' ') : 'any status')),
  );
  status.addEventListener('change', () => navigate(links.sagas(appId, { status: status.value })));
  container.append(applicationHeader({ api, appId, signal, title: 'Sagas', testid: 'sagas-title', tab: 'sagas' }), h('div', { class: 'filters' }, status), body);
  await loadInto(
    body,
    signal,
    () => api.get(apiPath`/app/${appId}/saga`, { ...pageQuery(params), status: params.get('status') ?? undefined }, signal),
    (list) => {
      if (!list?.data?.length) return emptyState(params.get('iterator') ? 'No more sagas.' : 'No sagas.', 'Start one with POST /api/v1/app/{app}/saga or the SDK’s startSaga.', 'sagas-empty');
      return h(
        'div',
        {},
        dataTable({
          testid: 'sagas-table',
          rows: list.data,
          rowAttributes: (saga) => ({ testid: 'saga-row', 'data-saga-id': saga.id }),
          columns: [
            { label: 'Saga', cell: (saga) => h('a', { href: links.saga(appId, saga.id), testid: 'saga-link', class: 'strong' }, saga.sagaId) },
            { label: 'Status', cell: (saga) => sagaBadge(saga.status) },
            { label: 'Step', cell: (saga) => `${saga.currentStep} (of ${saga.stepCount})` },
            { label: 'Started', cell: (saga) => time(saga.createdAt) },
            { label: 'Finished', cell: (saga) => (saga.finishedAt ? time(saga.finishedAt) : null) },
          ],
        }),
        pagination(list, params, (iterator) => links.sagas(appId, withParams(params, { iterator }))),
      );
    },
  );
}

/** `#/app/{id}/saga/{sagaId}`: one saga as a timeline of the messages it sent, oldest first. */
export async function sagaPage({ api, route, signal, container }) {
  const { appId, sagaId } = route;
  document.title = `Saga ${sagaId} · Idem console`;
  container.setAttribute('data-testid', 'saga-page');
  const body = h('div');
  container.append(applicationHeader({ api, appId, signal, title: `Saga ${sagaId}`, testid: 'saga-title', tab: 'sagas', crumbs: [['Sagas', links.sagas(appId)]] }), body);
  await loadInto(
    body,
    signal,
    () => api.get(apiPath`/app/${appId}/saga/${sagaId}`, {}, signal),
    (saga) =>
      h(
        'div',
        {},
        facts(
          [
            ['Saga ID', idText(saga.id)],
            ['Producer’s sagaId', h('code', {}, saga.sagaId)],
            ['Status', sagaBadge(saga.status)],
            ['Current step', saga.currentStep],
            ['Started', time(saga.createdAt)],
            ['Finished', saga.finishedAt ? time(saga.finishedAt) : '—'],
          ],
          'saga-facts',
        ),
        h('ol', { class: 'timeline', testid: 'saga-timeline' }, timelineOf(saga).map((entry) => timelineEntry(appId, entry))),
      ),
  );
}

/** The saga's messages in the order they were sent: the steps, then the compensations newest step first. */
function timelineOf(saga) {
  const entries = [];
  saga.steps.forEach((step) => {
    if (step.message) entries.push({ kind: 'step', name: step.name, eventType: step.eventType, message: step.message });
  });
  saga.steps.forEach((step) => {
    if (step.compensation) entries.push({ kind: 'compensation', name: step.name, eventType: step.compensationEventType, message: step.compensation });
  });
  return entries.sort((a, b) => a.message.createdAt.localeCompare(b.message.createdAt));
}

function timelineEntry(appId, entry) {
  return h(
    'li',
    { class: `timeline-entry timeline-${entry.kind}`, testid: 'saga-timeline-entry', 'data-kind': entry.kind, 'data-step': entry.name },
    h('div', { class: 'timeline-head' }, h('strong', {}, entry.kind === 'step' ? entry.name : `undo ${entry.name}`), ' ', h('code', {}, entry.eventType), ' ', time(entry.message.createdAt)),
    h('div', {}, h('a', { href: links.message(appId, entry.message.messageId) }, idText(entry.message.messageId))),
    h(
      'ul',
      { class: 'timeline-deliveries' },
      entry.message.deliveries.map((delivery) =>
        h('li', {}, h('a', { href: links.endpoint(appId, delivery.endpointId) }, idText(delivery.endpointId)), ' ', h('span', { class: DELIVERY_BADGE[delivery.status] ?? 'badge' }, delivery.status), ' ', time(delivery.updatedAt)),
      ),
    ),
  );
}
