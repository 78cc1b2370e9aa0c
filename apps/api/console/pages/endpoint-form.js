import { apiPath } from '../api.js';
import { h } from '../dom.js';
import { apiForm, fieldError, formField, listOf, numberOrNull, textArea, textInput } from '../forms.js';
import { links, navigate } from '../routes.js';
import { loadInto } from '../views.js';
import { metadataText, parseMetadata } from './application-form.js';
import { applicationHeader } from './application-header.js';
import { headersEditor, namingHeaders } from './endpoint-headers.js';

/** `#/app/{app}/endpoints/new` adds an endpoint; `#/app/{app}/endpoint/{id}/edit` changes one. */
export async function endpointFormPage({ api, route, signal, container }) {
  const { appId, endpointId } = route;
  container.setAttribute('data-testid', 'endpoint-form-page');
  document.title = `${endpointId ? 'Edit endpoint' : 'New endpoint'} · ${appId} · Idem console`;
  const crumbs = [['Endpoints', links.endpoints(appId)]];
  if (endpointId) crumbs.push([endpointId, links.endpoint(appId, endpointId)]);
  const body = h('div');
  container.append(applicationHeader({ api, appId, signal, title: endpointId ? 'Edit endpoint' : 'New endpoint', testid: 'endpoint-form-title', crumbs }), body);
  const eventTypes = api
    .get('/event-type', { limit: 250 }, signal)
    .then((list) => list?.data ?? [])
    .catch(() => []);
  await loadInto(
    body,
    signal,
    async () => {
      const [endpoint, headers] = endpointId
        ? await Promise.all([api.get(apiPath`/app/${appId}/endpoint/${endpointId}`, {}, signal), api.get(apiPath`/app/${appId}/endpoint/${endpointId}/headers`, {}, signal)])
        : [null, null];
      return { endpoint, headers, eventTypes: await eventTypes };
    },
    ({ endpoint, headers, eventTypes: catalog }) =>
      endpointForm({
        endpoint,
        headers,
        catalog,
        cancelHref: endpointId ? links.endpoint(appId, endpointId) : links.endpoints(appId),
        save: async (changes, headersPatch) => {
          let saved;
          try {
            // Headers first: a refused header leaves the endpoint as it was. A new endpoint takes them in its create.
            if (endpointId && headersPatch) await api.patch(apiPath`/app/${appId}/endpoint/${endpointId}/headers`, headersPatch, signal);
            saved = endpointId
              ? await api.patch(apiPath`/app/${appId}/endpoint/${endpointId}`, changes, signal)
              : await api.post(apiPath`/app/${appId}/endpoint`, changes, signal);
          } catch (error) {
            throw namingHeaders(error);
          }
          navigate(links.endpoint(appId, saved.id));
        },
      }),
  );
}

/**
 * Svix's `EndpointIn`. Every field is sent, also on an edit (as a PATCH), so what the form shows is
 * what the endpoint becomes; empty lists are sent as null, which the API reads as "every event type"
 * and "no channel".
 */
function endpointForm({ endpoint, headers, catalog, cancelHref, save }) {
  const url = textInput({ type: 'url', value: endpoint?.url ?? '', required: true, placeholder: 'https://example.com/webhooks' });
  const description = textInput({ value: endpoint?.description ?? '', placeholder: 'What receives these webhooks' });
  const uid = textInput({ value: endpoint?.uid ?? '', placeholder: 'optional' });
  // The catalogue's types are ticked; names it does not hold (yet) are typed beside them.
  const offered = catalog.filter((type) => !type.archived || endpoint?.filterTypes?.includes(type.name));
  const offeredNames = new Set(offered.map((type) => type.name));
  const chosen = new Set(endpoint?.filterTypes ?? []);
  const boxes = offered.map((type) => ({
    name: type.name,
    box: h('input', { type: 'checkbox', class: 'checkbox', value: type.name, checked: chosen.has(type.name), testid: 'filter-type-choice', 'data-name': type.name }),
    type,
  }));
  const catalogChoices = boxes.length
    ? h(
        'fieldset',
        { class: 'type-choices', testid: 'filter-type-choices' },
        h('legend', {}, 'From the catalogue'),
        boxes.map(({ box, type }) =>
          h('label', { class: 'type-choice' }, box, h('span', { class: 'type-choice-text' }, h('code', {}, type.name), type.description ? h('span', { class: 'muted' }, type.description) : null)),
        ),
      )
    : null;
  const filterTypes = textInput({
    value: (endpoint?.filterTypes ?? []).filter((name) => !offeredNames.has(name)).join(', '),
    placeholder: boxes.length ? 'other event types, comma-separated' : 'every event type',
  });
  const channels = textInput({ value: (endpoint?.channels ?? []).join(', '), placeholder: 'no channel filter' });
  const throttleRate = textInput({ inputmode: 'numeric', value: endpoint?.throttleRate ?? '', placeholder: 'unlimited' });
  const metadata = textArea({ rows: 3, value: metadataText(endpoint?.metadata), placeholder: 'team=payments' });
  const disabled = h('input', { type: 'checkbox', checked: Boolean(endpoint?.disabled), class: 'checkbox' });
  const headerLines = headersEditor(headers);
  return apiForm({
    testid: 'endpoint-form',
    submitLabel: endpoint ? 'Save endpoint' : 'Create endpoint',
    actions: [h('a', { class: 'button', href: cancelHref, testid: 'endpoint-form-cancel' }, 'Cancel')],
    fields: [
      formField({ name: 'url', label: 'URL', control: url }),
      formField({ name: 'description', label: 'Description', control: description }),
      catalogChoices,
      formField({
        name: 'filterTypes',
        label: boxes.length ? 'Other event types' : 'Event types',
        control: filterTypes,
        hint: 'Comma-separated. Nothing ticked or typed: every event type.',
      }),
      formField({ name: 'channels', label: 'Channels', control: channels, hint: 'Comma-separated; empty to receive messages on any channel.' }),
      formField({ name: 'throttleRate', label: 'Rate limit (messages per second)', control: throttleRate, hint: "Empty for no limit of its own (the application's applies)." }),
      formField({ name: 'uid', label: 'UID', control: uid }),
      formField({ name: 'metadata', label: 'Metadata', control: metadata, hint: 'One key=value a line.' }),
      formField({
        name: 'headers',
        label: 'Headers',
        control: headerLines.control,
        hint: 'Sent with every attempt, beside the signature headers. Values of Authorization and other credentials are never shown again: keep one as it is, or type a new value.',
      }),
      formField({ name: 'disabled', label: 'Disabled (nothing is sent while disabled)', control: disabled }),
    ],
    submit: async (form) => {
      const parsedMetadata = parseMetadata(metadata.value);
      if (parsedMetadata === null) {
        fieldError(form, 'metadata', 'Each line must read key=value.');
        return;
      }
      const fields = {
        url: url.value.trim(),
        description: description.value,
        uid: uid.value.trim() || null,
        filterTypes: listOf([...boxes.filter(({ box }) => box.checked).map(({ name }) => name), filterTypes.value].join(',')),
        channels: listOf(channels.value),
        throttleRate: numberOrNull(throttleRate.value),
        metadata: parsedMetadata,
        disabled: disabled.checked,
      };
      if (endpoint) await save(fields, headerLines.patch());
      else await save({ ...fields, headers: headerLines.all() }, null);
    },
  });
}
