import { apiPath } from '../api.js';
import { h } from '../dom.js';
import { apiForm, fieldError, formField, listOf, numberOrNull, textArea, textInput } from '../forms.js';
import { links, navigate } from '../routes.js';
import { loadInto } from '../views.js';
import { metadataText, parseMetadata } from './application-form.js';
import { applicationHeader } from './application-header.js';

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
    async () => ({ endpoint: endpointId ? await api.get(apiPath`/app/${appId}/endpoint/${endpointId}`, {}, signal) : null, eventTypes: await eventTypes }),
    ({ endpoint, eventTypes: catalog }) =>
      endpointForm({
        endpoint,
        catalog,
        cancelHref: endpointId ? links.endpoint(appId, endpointId) : links.endpoints(appId),
        save: async (changes) => {
          const saved = endpointId
            ? await api.patch(apiPath`/app/${appId}/endpoint/${endpointId}`, changes, signal)
            : await api.post(apiPath`/app/${appId}/endpoint`, changes, signal);
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
function endpointForm({ endpoint, catalog, cancelHref, save }) {
  const url = textInput({ type: 'url', value: endpoint?.url ?? '', required: true, placeholder: 'https://example.com/webhooks' });
  const description = textInput({ value: endpoint?.description ?? '', placeholder: 'What receives these webhooks' });
  const uid = textInput({ value: endpoint?.uid ?? '', placeholder: 'optional' });
  const datalist = h(
    'datalist',
    { id: 'event-type-names' },
    catalog.filter((type) => !type.archived).map((type) => h('option', { value: type.name }, type.description || type.name)),
  );
  const filterTypes = textInput({ value: (endpoint?.filterTypes ?? []).join(', '), placeholder: 'every event type', list: 'event-type-names' });
  const channels = textInput({ value: (endpoint?.channels ?? []).join(', '), placeholder: 'no channel filter' });
  const throttleRate = textInput({ inputmode: 'numeric', value: endpoint?.throttleRate ?? '', placeholder: 'unlimited' });
  const metadata = textArea({ rows: 3, value: metadataText(endpoint?.metadata), placeholder: 'team=payments' });
  const disabled = h('input', { type: 'checkbox', checked: Boolean(endpoint?.disabled), class: 'checkbox' });
  const known = catalog.map((type) => type.name);
  return apiForm({
    testid: 'endpoint-form',
    submitLabel: endpoint ? 'Save endpoint' : 'Create endpoint',
    actions: [h('a', { class: 'button', href: cancelHref, testid: 'endpoint-form-cancel' }, 'Cancel')],
    fields: [
      formField({ name: 'url', label: 'URL', control: url }),
      formField({ name: 'description', label: 'Description', control: description }),
      formField({
        name: 'filterTypes',
        label: 'Event types',
        control: filterTypes,
        hint: known.length ? `Comma-separated; empty for every event type. The catalog has ${known.slice(0, 6).join(', ')}${known.length > 6 ? ', …' : ''}.` : 'Comma-separated; empty for every event type.',
      }),
      datalist,
      formField({ name: 'channels', label: 'Channels', control: channels, hint: 'Comma-separated; empty to receive messages on any channel.' }),
      formField({ name: 'throttleRate', label: 'Rate limit (messages per second)', control: throttleRate, hint: "Empty for no limit of its own (the application's applies)." }),
      formField({ name: 'uid', label: 'UID', control: uid }),
      formField({ name: 'metadata', label: 'Metadata', control: metadata, hint: 'One key=value a line.' }),
      formField({ name: 'disabled', label: 'Disabled (nothing is sent while disabled)', control: disabled }),
    ],
    submit: async (form) => {
      const parsedMetadata = parseMetadata(metadata.value);
      if (parsedMetadata === null) {
        fieldError(form, 'metadata', 'Each line must read key=value.');
        return;
      }
      await save({
        url: url.value.trim(),
        description: description.value,
        uid: uid.value.trim() || null,
        filterTypes: listOf(filterTypes.value),
        channels: listOf(channels.value),
        throttleRate: numberOrNull(throttleRate.value),
        metadata: parsedMetadata,
        disabled: disabled.checked,
      });
    },
  });
}
