import { apiPath, pageQuery } from '../api.js';
import { h, replace } from '../dom.js';
import { prettyJson } from '../format.js';
import { apiForm, confirmButton, explainedSelect, fieldError, formField, textArea, textInput } from '../forms.js';
import { links, navigate, withParams } from '../routes.js';
import { dataTable, emptyState, errorState, facts, loadInto, pageHeader, pagination, time } from '../views.js';

/** The event type catalogue, shared by every application; archived types only on request. */
export async function eventTypesPage({ api, params, signal, container }) {
  document.title = 'Event types · Idem console';
  container.setAttribute('data-testid', 'event-types-page');
  const archived = params.get('archived') === 'true';
  const body = h('div');
  container.append(
    pageHeader({
      title: 'Event types',
      testid: 'event-types-title',
      actions: [
        h(
          'a',
          { class: 'button', href: links.eventTypes(withParams(params, { archived: archived ? undefined : 'true', iterator: undefined })), testid: 'event-types-archived-toggle' },
          archived ? 'Hide archived' : 'Show archived',
        ),
        h('a', { class: 'button button-primary', href: links.newEventType(), testid: 'event-type-new' }, 'New event type'),
      ],
    }),
    body,
  );
  await loadInto(
    body,
    signal,
    () => api.get('/event-type', { ...pageQuery(params), include_archived: archived || undefined }, signal),
    (list) => {
      if (!list?.data?.length) return emptyState('No event types yet.', 'Endpoints subscribe to event types; producers name one on every message.', 'event-types-empty');
      return h(
        'div',
        {},
        dataTable({
          testid: 'event-types-table',
          rows: list.data,
          rowAttributes: (type) => ({ testid: 'event-type-row', 'data-name': type.name, 'data-archived': String(Boolean(type.archived)) }),
          columns: [
            { label: 'Name', cell: (type) => h('a', { href: links.eventType(type.name), class: 'strong', testid: 'event-type-link' }, type.name) },
            { label: 'Description', cell: (type) => type.description || null },
            { label: 'Group', cell: (type) => type.groupName || null },
            { label: 'Schema', cell: (type) => (schemaParts(type.schemas).schema ? `version ${schemaParts(type.schemas).version}` : null) },
            { label: 'Enforcement', cell: (type) => enforcementBadge(type.schemaEnforcement) },
            { label: 'Semantics', cell: (type) => semanticsBadge(type.retrySafety) },
            {
              label: 'State',
              cell: (type) =>
                type.archived
                  ? h('span', { class: 'badge badge-canceled', testid: 'event-type-archived' }, 'archived')
                  : type.deprecated
                    ? h('span', { class: 'badge badge-pending' }, 'deprecated')
                    : h('span', { class: 'badge badge-success' }, 'active'),
            },
            { label: 'Updated', cell: (type) => time(type.updatedAt) },
          ],
        }),
        pagination(list, params, (iterator) => links.eventTypes(withParams(params, { iterator }))),
      );
    },
  );
}

/** `#/event-types/new` creates one; `#/event-type/{name}` edits, archives or deletes it. */
export async function eventTypeFormPage({ api, route, signal, container }) {
  const { name } = route;
  container.setAttribute('data-testid', 'event-type-form-page');
  document.title = `${name ?? 'New event type'} · Idem console`;
  const body = h('div');
  container.append(pageHeader({ title: name ?? 'New event type', testid: 'event-type-form-title', crumbs: [['Event types', links.eventTypes()]] }), body);
  if (!name) {
    body.append(
      eventTypeForm({
        eventType: null,
        save: async (fields) => {
          const created = await api.post('/event-type', fields, signal);
          navigate(links.eventType(created.name));
        },
      }),
    );
    return;
  }
  const draw = ({ saved = false } = {}) =>
    loadInto(
      body,
      signal,
      () => api.get(apiPath`/event-type/${name}`, {}, signal),
      (eventType) => {
        const notice = h('div', { role: 'status' }, saved ? h('p', { class: 'notice', testid: 'event-type-saved' }, 'Saved.') : null);
        const archiveFeedback = h('div');
        const archive = h(
          'button',
          { type: 'button', class: 'button', testid: eventType.archived ? 'event-type-unarchive' : 'event-type-archive' },
          eventType.archived ? 'Unarchive' : 'Archive',
        );
        archive.addEventListener('click', async () => {
          archive.disabled = true;
          try {
            // The API archives on DELETE (as Svix does) and takes `archived: false` back on a PATCH.
            if (eventType.archived) await api.patch(apiPath`/event-type/${name}`, { archived: false }, signal);
            else await api.delete(apiPath`/event-type/${name}`, {}, signal);
            await draw();
          } catch (error) {
            if (signal.aborted || error?.name === 'AbortError') return;
            replace(archiveFeedback, errorState(error, { testid: 'event-type-archive-error' }));
            archive.disabled = false;
          }
        });
        return h(
          'div',
          { class: 'form-page' },
          facts(
            [
              ['State', eventType.archived ? h('span', { class: 'badge badge-canceled', testid: 'event-type-state' }, 'archived') : h('span', { class: 'badge badge-success', testid: 'event-type-state' }, 'active')],
              ['Created', time(eventType.createdAt)],
              ['Updated', time(eventType.updatedAt)],
            ],
            'event-type-facts',
          ),
          notice,
          eventTypeForm({
            eventType,
            save: async (fields) => {
              await api.patch(apiPath`/event-type/${name}`, fields, signal);
              // Drawn again from the API, so the page shows what it stored (and when).
              await draw({ saved: true });
            },
          }),
          h(
            'section',
            { class: 'section danger-zone' },
            h('h2', {}, 'Archive or delete'),
            h('p', { class: 'muted' }, 'An archived event type leaves the catalogue list; messages of that type are still accepted and delivered. Deleting removes it for good.'),
            h(
              'div',
              { class: 'filter-actions' },
              archive,
              confirmButton({
                label: 'Delete for good',
                question: `Delete ${name} from the catalogue? Endpoints that filter on it keep the name.`,
                confirmLabel: 'Delete',
                testid: 'event-type-expunge',
                action: async () => {
                  await api.delete(apiPath`/event-type/${name}`, { expunge: true }, signal);
                  navigate(links.eventTypes());
                },
              }),
            ),
            archiveFeedback,
          ),
        );
      },
    );
  await draw();
}

/**
 * Svix keeps an event type's schemas as `{"<version>": <JSON Schema>}`, with example payloads in
 * the schema's own `examples` (JSON Schema's keyword). The form edits the newest version and its
 * first example; other versions, and that version's other examples, are kept as they are.
 */
export function schemaParts(schemas) {
  if (!schemas || typeof schemas !== 'object') return { version: '1', schema: null, example: undefined, examples: [] };
  const versions = Object.keys(schemas).sort((a, b) => Number(b) - Number(a) || b.localeCompare(a));
  if (!versions.length) return { version: '1', schema: null, example: undefined, examples: [] };
  const version = versions[0];
  const full = schemas[version];
  if (!full || typeof full !== 'object' || Array.isArray(full)) return { version, schema: full ?? null, example: undefined, examples: [] };
  const { examples, ...schema } = full;
  const all = Array.isArray(examples) ? examples : [];
  return { version, schema: Object.keys(schema).length ? schema : null, example: all[0], examples: all };
}

/**
 * Idem's `schemaEnforcement`: whether the newest schema is applied to each message's payload. An
 * API that does not send the field is treated as `off`, which is what it then does.
 */
export const SCHEMA_ENFORCEMENT = [
  { value: 'off', label: 'Off', explanation: 'Not applied: the schema documents the payload, as in Svix.' },
  { value: 'observe', label: 'Observe', explanation: 'A payload that breaks it is accepted and delivered; its message records where it broke.' },
  { value: 'enforce', label: 'Enforce', explanation: 'A payload that breaks it is refused with a 422 naming where, and nothing is sent.' },
];

export function enforcementOf(eventType) {
  return eventType?.schemaEnforcement ?? 'off';
}

function enforcementBadge(enforcement = 'off') {
  const badge = { observe: 'badge badge-pending', enforce: 'badge badge-sending' }[enforcement] ?? 'muted';
  return h('span', { class: badge, testid: 'event-type-enforcement', 'data-enforcement': enforcement }, enforcement);
}

/**
 * Idem's `retrySafety` contract: what one message of the type means to its receiver. The API answers
 * null for commands, the default.
 */
const SEMANTICS = [
  { value: 'command', label: 'Command', explanation: 'A thing to do once: every message is sent, made safe by its idempotency key.' },
  { value: 'state', label: 'State', explanation: 'The whole state of one entity at a version: a version no newer than one already accepted is not sent, and older ones still waiting are superseded.' },
  { value: 'delta', label: 'Delta', explanation: 'A change to one entity, applying to the version it names: every message is sent, with its entity recorded.' },
];

const ORDERING = [
  { value: 'none', label: 'None', explanation: 'Messages go out as soon as they are due, several of one entity at once if need be.' },
  { value: 'entity', label: 'Per entity', explanation: 'The messages of one entity reach each endpoint in the order accepted, one at a time; a failing one holds back only its entity.' },
];

const ON_EXHAUSTED = [
  { value: 'skip', label: 'Skip', explanation: 'A message whose attempts ran out fails, and its entity’s next message goes out.' },
  { value: 'block', label: 'Block', explanation: 'A message whose attempts ran out is blocked, and its entity waits until it is resent (or recovered).' },
];

function semanticsBadge(retrySafety) {
  const semantics = retrySafety?.semantics ?? 'command';
  const badge = { state: 'badge badge-sending', delta: 'badge badge-pending' }[semantics] ?? 'muted';
  return h(
    'span',
    { class: 'semantics', testid: 'event-type-semantics', 'data-semantics': semantics },
    h('span', { class: badge }, semantics),
    retrySafety?.entity ? h('span', { class: 'muted', testid: 'event-type-entity' }, ` of ${retrySafety.entity}`) : null,
  );
}

/** The newest schema's example payloads, which Svix's send-example chooses from by `exampleIndex`. */
export function examplesOf(eventType) {
  return schemaParts(eventType?.schemas).examples;
}

function eventTypeForm({ eventType, save }) {
  const parts = schemaParts(eventType?.schemas);
  const name = eventType ? null : textInput({ required: true, placeholder: 'invoice.paid' });
  const description = textInput({ value: eventType?.description ?? '', placeholder: 'An invoice was paid' });
  const groupName = textInput({ value: eventType?.groupName ?? '', placeholder: 'optional, e.g. invoice' });
  const featureFlag = textInput({ value: eventType?.featureFlag ?? '', placeholder: 'optional' });
  const deprecated = h('input', { type: 'checkbox', checked: Boolean(eventType?.deprecated), class: 'checkbox' });
  const schema = textArea({ class: 'code-input', rows: 10, value: parts.schema ? prettyJson(parts.schema) : '', placeholder: '{"type": "object", "properties": {"invoiceId": {"type": "string"}}}' });
  const example = textArea({ class: 'code-input', rows: 6, value: parts.example === undefined ? '' : prettyJson(parts.example), placeholder: '{"invoiceId": "inv_42"}' });
  const { select: schemaEnforcement, list: modes } = explainedSelect(SCHEMA_ENFORCEMENT, enforcementOf(eventType), 'schema-enforcement-modes');
  const contract = retrySafetyFields(eventType?.retrySafety);
  return apiForm({
    testid: 'event-type-form',
    submitLabel: eventType ? 'Save event type' : 'Create event type',
    actions: [h('a', { class: 'button', href: links.eventTypes(), testid: 'event-type-form-cancel' }, 'Cancel')],
    fields: [
      name ? formField({ name: 'name', label: 'Name', control: name, hint: 'Letters, digits, _ . - (as producers send it in eventType).' }) : null,
      formField({ name: 'description', label: 'Description', control: description }),
      formField({ name: 'groupName', label: 'Group', control: groupName }),
      formField({ name: 'featureFlag', label: 'Feature flag', control: featureFlag }),
      formField({ name: 'deprecated', label: 'Deprecated (still delivered; tells subscribers to move on)', control: deprecated }),
      formField({ name: 'schemaEnforcement', label: 'Schema enforcement', control: schemaEnforcement, hint: modes }),
      formField({ name: 'schemas', label: `Schema (JSON Schema, version ${parts.version})`, control: schema, hint: 'Empty for none. Stored in the API as schemas, as in Svix. Observe and enforce apply the newest version, which must compile.' }),
      formField({ name: 'example', label: 'Example payload (JSON)', control: example, hint: 'Stored as the first of the schema’s examples (others set through the API are kept): what a test event of this type sends unless another example is chosen.' }),
      ...contract.fields,
    ],
    submit: async (form) => {
      const schemaValue = parseJsonField(form, 'schemas', schema.value);
      const exampleValue = parseJsonField(form, 'example', example.value);
      if (schemaValue === INVALID || exampleValue === INVALID) return;
      if (schemaValue !== undefined && (schemaValue === null || typeof schemaValue !== 'object' || Array.isArray(schemaValue))) {
        fieldError(form, 'schemas', 'A schema is a JSON object.');
        return;
      }
      const fields = {
        description: description.value,
        groupName: groupName.value.trim() || null,
        featureFlag: featureFlag.value.trim() || null,
        deprecated: deprecated.checked,
        schemas: buildSchemas(eventType?.schemas, parts.version, schemaValue, exampleValue),
        schemaEnforcement: schemaEnforcement.value,
        retrySafety: contract.value(),
      };
      if (name) fields.name = name.value.trim();
      await save(fields);
    },
  });
}

/**
 * The retry-safety contract's fields, named as the API's `loc` names them (`retrySafety.versionPath`)
 * so its 422 lands at the one it names. The entity's fields, ordering among them, show only for state
 * and delta; what an exhausted message does only for ordered lanes.
 */
function retrySafetyFields(retrySafety) {
  const { select: semantics, list: explanations } = explainedSelect(SEMANTICS, retrySafety?.semantics ?? 'command', 'semantics-modes');
  const entity = textInput({ value: retrySafety?.entity ?? '', placeholder: 'order' });
  const entityIdPath = textInput({ value: retrySafety?.entityIdPath ?? '', placeholder: '/id' });
  const versionPath = textInput({ value: retrySafety?.versionPath ?? '', placeholder: '/version' });
  const { select: ordering, list: orderings } = explainedSelect(ORDERING, retrySafety?.ordering ?? 'none', 'ordering-modes');
  const { select: onExhausted, list: exhaustions } = explainedSelect(ON_EXHAUSTED, retrySafety?.onExhausted ?? 'skip', 'on-exhausted-modes');
  const exhaustedField = formField({ name: 'retrySafety.onExhausted', label: 'When a message runs out of attempts', control: onExhausted, hint: exhaustions });
  const entityFields = [
    formField({ name: 'retrySafety.entity', label: 'Entity name', control: entity, hint: 'The kind of entity, shared by the event types that describe it.' }),
    formField({ name: 'retrySafety.entityIdPath', label: 'Entity ID pointer', control: entityIdPath, hint: 'JSON Pointer to its id in the payload (a string or an integer).' }),
    formField({ name: 'retrySafety.versionPath', label: 'Version pointer', control: versionPath, hint: 'JSON Pointer to its version (a non-negative integer); required for state, optional for delta.' }),
    formField({ name: 'retrySafety.ordering', label: 'Ordering', control: ordering, hint: orderings }),
    exhaustedField,
  ];
  const showEntity = () => {
    for (const field of entityFields) field.hidden = semantics.value === 'command';
    exhaustedField.hidden = semantics.value === 'command' || ordering.value !== 'entity';
  };
  semantics.addEventListener('change', showEntity);
  ordering.addEventListener('change', showEntity);
  showEntity();
  const orNull = (input) => input.value.trim() || null;
  return {
    fields: [formField({ name: 'retrySafety.semantics', label: 'Retry-safety semantics', control: semantics, hint: explanations }), ...entityFields],
    value: () =>
      semantics.value === 'command'
        ? null
        : {
            semantics: semantics.value,
            entity: orNull(entity),
            entityIdPath: orNull(entityIdPath),
            versionPath: orNull(versionPath),
            ordering: ordering.value,
            onExhausted: ordering.value === 'entity' ? onExhausted.value : 'skip',
          },
  };
}

const INVALID = Symbol('invalid JSON');

/** The JSON in a textarea; undefined when it is empty, INVALID (with the field marked) when it does not parse. */
function parseJsonField(form, field, text) {
  if (!text.trim()) return undefined;
  try {
    return JSON.parse(text);
  } catch (error) {
    fieldError(form, field, `Not valid JSON: ${error.message}`);
    return INVALID;
  }
}

function buildSchemas(existing, version, schema, example) {
  const schemas = existing && typeof existing === 'object' ? { ...existing } : {};
  if (schema === undefined && example === undefined) {
    delete schemas[version];
  } else {
    // The form edits the first example; the others are kept for send-example's `exampleIndex`.
    const examples = [...(example === undefined ? [] : [example]), ...schemaParts(existing).examples.slice(1)];
    schemas[version] = { ...(schema ?? {}), ...(examples.length ? { examples } : {}) };
  }
  return Object.keys(schemas).length ? schemas : null;
}
