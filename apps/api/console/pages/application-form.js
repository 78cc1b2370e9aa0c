import { apiPath } from '../api.js';
import { h } from '../dom.js';
import { apiForm, confirmButton, explainedSelect, fieldError, formField, numberOrNull, textArea, textInput } from '../forms.js';
import { links, navigate } from '../routes.js';
import { dataTable, emptyState, facts, idText, loadInto, pageHeader, time } from '../views.js';
import { applicationHeader, rememberApplicationName } from './application-header.js';

/** `#/apps/new` creates an application; `#/app/{id}/settings` edits or deletes one. */
export async function applicationFormPage({ api, route, signal, container }) {
  const { appId } = route;
  container.setAttribute('data-testid', 'application-form-page');
  if (!appId) {
    document.title = 'New application · Idem console';
    container.append(
      pageHeader({ title: 'New application', testid: 'application-form-title', crumbs: [['Applications', links.applications()]] }),
      applicationForm({
        application: null,
        submitLabel: 'Create application',
        save: async (body) => {
          const created = await api.post('/app', body, signal);
          rememberApplicationName(created.id, created.name);
          navigate(links.endpoints(created.id));
        },
      }),
    );
    return;
  }
  document.title = `Settings · ${appId} · Idem console`;
  const body = h('div');
  container.append(applicationHeader({ api, appId, signal, title: 'Settings', testid: 'application-form-title', tab: 'settings' }), body);
  await loadInto(
    body,
    signal,
    () => api.get(apiPath`/app/${appId}`, {}, signal),
    (application) => {
      const notice = h('div', { role: 'status' });
      const applicationFacts = (shown) =>
        facts(
          [
            ['Application ID', idText(shown.id)],
            ['Created', time(shown.createdAt)],
            ['Updated', time(shown.updatedAt)],
          ],
          'application-facts',
        );
      let shownFacts = applicationFacts(application);
      return h(
        'div',
        { class: 'form-page' },
        shownFacts,
        notice,
        applicationForm({
          application,
          submitLabel: 'Save',
          save: async (changes) => {
            const saved = await api.patch(apiPath`/app/${appId}`, changes, signal);
            rememberApplicationName(appId, saved.name);
            const crumb = container.querySelector('.crumbs a:nth-of-type(2)');
            if (crumb) crumb.textContent = saved.name;
            const next = applicationFacts(saved);
            shownFacts.replaceWith(next);
            shownFacts = next;
            notice.replaceChildren(h('p', { class: 'notice', testid: 'application-saved' }, 'Saved.'));
          },
        }),
        idempotencyReport({ api, appId, signal }),
        h(
          'section',
          { class: 'section danger-zone' },
          h('h2', {}, 'Delete this application'),
          h('p', { class: 'muted' }, 'Its endpoints, messages, attempts and the API tokens scoped to it go with it; deliveries still waiting are not sent.'),
          confirmButton({
            label: 'Delete application',
            question: `Delete ${application.name} and everything in it? This cannot be undone.`,
            confirmLabel: 'Delete for good',
            testid: 'application-delete',
            action: async () => {
              await api.delete(apiPath`/app/${appId}`, {}, signal);
              rememberApplicationName(appId, null);
              navigate(links.applications());
            },
          }),
        ),
      );
    },
  );
}

/** Idem's `idempotencyMode`; an API that does not send it enforces, as Svix does. */
const IDEMPOTENCY_MODES = [
  { value: 'enforce', label: 'Enforce', explanation: 'A repeated eventId or Idempotency-Key is the first message again, or refused (409, 422).' },
  { value: 'observe', label: 'Observe', explanation: 'A repeated key is delivered as a new message; the idempotency report below shows what enforcing would have done.' },
];

/** Svix's `ApplicationIn`: name, uid, rate limit and metadata; and Idem's idempotency mode. */
function applicationForm({ application, submitLabel, save }) {
  const name = textInput({ value: application?.name ?? '', required: true, placeholder: 'Acme Inc.' });
  const uid = textInput({ value: application?.uid ?? '', placeholder: 'acme (optional)' });
  const throttleRate = textInput({ inputmode: 'numeric', value: application?.throttleRate ?? '', placeholder: 'unlimited' });
  const metadata = textArea({ rows: 3, value: metadataText(application?.metadata), placeholder: 'plan=pro' });
  const { select: idempotencyMode, list: modes } = explainedSelect(IDEMPOTENCY_MODES, application?.idempotencyMode ?? 'enforce', 'idempotency-modes');
  return apiForm({
    testid: 'application-form',
    submitLabel,
    actions: [h('a', { class: 'button', href: application ? links.endpoints(application.id) : links.applications(), testid: 'application-form-cancel' }, 'Cancel')],
    fields: [
      formField({ name: 'name', label: 'Name', control: name }),
      formField({ name: 'uid', label: 'UID', control: uid, hint: 'Your own id for it: the API takes it wherever it takes the application id.' }),
      formField({ name: 'throttleRate', label: 'Rate limit (messages per second)', control: throttleRate, hint: 'Empty for no limit. Endpoints without their own limit are held to it.' }),
      formField({ name: 'metadata', label: 'Metadata', control: metadata, hint: 'One key=value a line.' }),
      formField({ name: 'idempotencyMode', label: 'Idempotency', control: idempotencyMode, hint: modes }),
    ],
    submit: async (form) => {
      const parsed = parseMetadata(metadata.value);
      if (parsed === null) {
        fieldError(form, 'metadata', 'Each line must read key=value.');
        return;
      }
      await save({ name: name.value, uid: uid.value.trim() || null, throttleRate: numberOrNull(throttleRate.value), metadata: parsed, idempotencyMode: idempotencyMode.value });
    },
  });
}

const FINDING_KINDS = { replay: 'Replay', conflict: 'Conflict', send_time_key: 'Send-time key' };

/** The last 24 hours of `GET /app/{id}/idempotency-report`: counts by kind and the newest findings, each linking both messages. */
function idempotencyReport({ api, appId, signal }) {
  const body = h('div');
  const section = h('section', { class: 'section', testid: 'idempotency-report' }, h('h2', {}, 'Idempotency report (last 24 hours)'), body);
  const messageLink = (id) => (id ? h('a', { href: links.message(appId, id) }, idText(id)) : h('span', { class: 'muted' }, 'unknown'));
  void loadInto(
    body,
    signal,
    () => api.get(apiPath`/app/${appId}/idempotency-report`, {}, signal),
    (report) =>
      h(
        'div',
        {},
        facts(
          [
            ['Replays', String(report.counts.replay)],
            ['Conflicts', String(report.counts.conflict)],
            ['Probable send-time keys', String(report.counts.sendTimeKey)],
          ],
          'idempotency-counts',
        ),
        report.samples.length
          ? dataTable({
              testid: 'idempotency-samples',
              rows: report.samples,
              rowAttributes: (finding) => ({ testid: 'idempotency-sample', 'data-kind': finding.kind }),
              columns: [
                { label: 'Kind', cell: (finding) => FINDING_KINDS[finding.kind] ?? finding.kind },
                { label: 'Key', cell: (finding) => [h('code', {}, finding.key), finding.earlierKey ? [' after ', h('code', {}, finding.earlierKey)] : null] },
                { label: 'Message', cell: (finding) => messageLink(finding.messageId) },
                { label: 'Earlier message', cell: (finding) => messageLink(finding.earlierMessageId) },
                { label: 'When', cell: (finding) => time(finding.createdAt) },
              ],
            })
          : emptyState('Nothing to report.', 'Repeated keys in observe mode, and keys that look minted per send, show here.', 'idempotency-report-empty'),
      ),
  );
  return section;
}

export function metadataText(metadata) {
  return Object.entries(metadata ?? {})
    .map(([key, value]) => `${key}=${value}`)
    .join('\n');
}

/** `key=value` lines into an object; null when a line has no `=`. */
export function parseMetadata(text) {
  const metadata = {};
  for (const line of String(text ?? '').split('\n')) {
    if (!line.trim()) continue;
    const at = line.indexOf('=');
    if (at <= 0) return null;
    metadata[line.slice(0, at).trim()] = line.slice(at + 1).trim();
  }
  return metadata;
}
