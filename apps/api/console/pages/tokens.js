import { apiPath, pageQuery } from '../api.js';
import { h, replace } from '../dom.js';
import { apiForm, confirmButton, formField, textInput } from '../forms.js';
import { links, withParams } from '../routes.js';
import { dataTable, emptyState, idText, loadInto, pageHeader, pagination, time } from '../views.js';
import { copyToClipboard } from './endpoint-secret.js';

/**
 * Idem's API tokens: create one (its value is shown once, here, and never again: the API keeps
 * only a hash), list them, revoke one. Needs an organisation-wide token.
 */
export async function tokensPage({ api, params, signal, container }) {
  document.title = 'API tokens · Idem console';
  container.setAttribute('data-testid', 'tokens-page');
  const created = h('div', { testid: 'token-created-slot' });
  const list = h('div');
  const showList = () =>
    loadInto(
      list,
      signal,
      () => api.get('/auth/token', pageQuery(params), signal),
      (tokens) =>
        tokens?.data?.length
          ? h(
              'div',
              {},
              dataTable({
                testid: 'tokens-table',
                rows: tokens.data,
                rowAttributes: (token) => ({ testid: 'token-row', 'data-token-id': token.id }),
                columns: [
                  { label: 'Name', cell: (token) => h('span', { class: 'strong', testid: 'token-name' }, token.name) },
                  { label: 'Scope', cell: (token) => (token.appId ? h('a', { href: links.endpoints(token.appId) }, 'application ', h('code', {}, token.appId)) : 'organisation-wide') },
                  { label: 'ID', cell: (token) => idText(token.id) },
                  { label: 'Created', cell: (token) => time(token.createdAt) },
                  {
                    label: 'Revoke',
                    class: 'cell-actions',
                    cell: (token) =>
                      confirmButton({
                        label: 'Revoke',
                        small: true,
                        question: `Revoke ${token.name}? Requests with it are refused at once, in every API process.`,
                        confirmLabel: 'Revoke now',
                        testid: 'token-revoke',
                        action: async () => {
                          await api.delete(apiPath`/auth/token/${token.id}`, {}, signal);
                          await showList();
                        },
                      }),
                  },
                ],
              }),
              pagination(tokens, params, (iterator) => links.tokens(withParams(params, { iterator }))),
            )
          : emptyState('No API tokens yet.', 'The admin token works for everything; give each system a token of its own instead.', 'tokens-empty'),
    );

  const name = textInput({ required: true, placeholder: 'billing service' });
  const appId = textInput({ placeholder: 'empty for organisation-wide' });
  const form = apiForm({
    testid: 'token-form',
    className: 'token-form',
    submitLabel: 'Create token',
    fields: [
      formField({ name: 'name', label: 'Name', control: name, hint: 'What the token is for.' }),
      formField({ name: 'appId', label: 'Application (id or uid)', control: appId, hint: 'A scoped token sees only this application.' }),
    ],
    submit: async () => {
      const token = await api.post('/auth/token', { name: name.value, appId: appId.value.trim() || null }, signal);
      if (signal.aborted) return;
      name.value = '';
      appId.value = '';
      replace(created, shownOnce(token, () => replace(created)));
      await showList();
    },
  });

  container.append(pageHeader({ title: 'API tokens', testid: 'tokens-title' }), h('section', { class: 'section' }, h('h2', {}, 'New token'), form, created), h('section', { class: 'section' }, h('h2', {}, 'Tokens'), list));
  await showList();
}

/** The new token, once: it lives in this text node until Done, or until the page is left. */
function shownOnce(token, onDone) {
  const value = h('code', { class: 'secret', testid: 'token-value' }, token.token ?? '');
  const copied = h('span', { class: 'secret-copied', role: 'status', testid: 'token-copy-feedback' });
  return h(
    'div',
    { class: 'notice token-created', testid: 'token-created' },
    h('p', { class: 'strong' }, `Token “${token.name}” created. Copy it now: it is not shown again.`),
    h(
      'div',
      { class: 'secret-shown' },
      value,
      h(
        'button',
        {
          type: 'button',
          class: 'button button-small',
          testid: 'token-copy',
          on: { click: async () => replace(copied, (await copyToClipboard(token.token ?? '', value)) ? 'Copied' : 'Selected: press Ctrl+C (⌘C) to copy') },
        },
        'Copy',
      ),
      h('button', { type: 'button', class: 'button button-small', testid: 'token-done', on: { click: onDone } }, 'Done'),
      copied,
    ),
  );
}
