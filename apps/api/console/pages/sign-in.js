import { ApiClient } from '../api.js';
import { h, replace } from '../dom.js';
import { session } from '../session.js';
import { errorState } from '../views.js';

/** Asks for an API token and checks it against the API before keeping it for this tab. */
export function signInPage({ notice, onSignedIn }) {
  const input = h('input', {
    id: 'token',
    name: 'token',
    type: 'password',
    required: true,
    autocomplete: 'off',
    spellcheck: 'false',
    placeholder: 'The admin token, or an API token',
    testid: 'token-input',
  });
  const feedback = h('div', { class: 'sign-in-feedback' }, notice ? h('p', { class: 'notice', testid: 'sign-in-notice' }, notice) : null);
  const submit = h('button', { type: 'submit', class: 'button button-primary', testid: 'sign-in-submit' }, 'Sign in');

  const form = h(
    'form',
    {
      class: 'sign-in card',
      testid: 'sign-in-form',
      on: {
        submit: async (event) => {
          event.preventDefault();
          const token = input.value.trim();
          if (!token) return;
          submit.disabled = true;
          replace(feedback, h('p', { class: 'muted', testid: 'loading-state' }, 'Checking the token…'));
          try {
            await new ApiClient(token).get('/app', { limit: 1 });
            session.signIn(token);
            onSignedIn();
          } catch (error) {
            replace(feedback, errorState(error, { testid: 'sign-in-error' }));
            submit.disabled = false;
            input.select();
          }
        },
      },
    },
    h('h1', {}, 'Sign in'),
    h('p', { class: 'muted' }, 'The token stays in this browser tab only, until you sign out or close the tab.'),
    h('label', { for: 'token' }, 'API token'),
    input,
    submit,
    feedback,
  );
  queueMicrotask(() => input.focus());
  return h('section', { class: 'page page-narrow', testid: 'sign-in-page' }, form);
}
