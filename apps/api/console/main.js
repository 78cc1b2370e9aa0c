// Boots the console: checks for a token, then draws the page the URL's hash names, again on every
// hash change. Each page gets an AbortSignal that fires when the user moves on, which cancels its
// requests and stops its polling.

import { ApiClient } from './api.js';
import { h, replace } from './dom.js';
import { currentLocation, links } from './routes.js';
import { session } from './session.js';
import { timeZoneName } from './format.js';
import { emptyState, errorState } from './views.js';
import { applicationFormPage } from './pages/application-form.js';
import { applicationsPage } from './pages/applications.js';
import { attemptPage } from './pages/attempt.js';
import { endpointFormPage } from './pages/endpoint-form.js';
import { endpointPage } from './pages/endpoint.js';
import { endpointsPage } from './pages/endpoints.js';
import { eventTypeFormPage, eventTypesPage } from './pages/event-types.js';
import { messagePage } from './pages/message.js';
import { messagesPage } from './pages/messages.js';
import { sagaPage, sagasPage } from './pages/sagas.js';
import { signInPage } from './pages/sign-in.js';
import { tokensPage } from './pages/tokens.js';

const view = document.getElementById('view');
const signOutButton = document.querySelector('[data-testid="sign-out"]');
const navigation = document.querySelector('[data-testid="top-nav"]');
document.querySelector('[data-testid="time-zone"]').textContent = `Times in ${timeZoneName()}`;

/** [pattern of path segments, page]; `:name` segments become `ctx.route.name`. */
const ROUTES = [
  [[], applicationsPage],
  [['apps'], applicationsPage],
  [['apps', 'new'], applicationFormPage],
  [['app', ':appId'], endpointsPage],
  [['app', ':appId', 'settings'], applicationFormPage],
  [['app', ':appId', 'endpoints'], endpointsPage],
  [['app', ':appId', 'endpoints', 'new'], endpointFormPage],
  [['app', ':appId', 'messages'], messagesPage],
  [['app', ':appId', 'msg', ':msgId'], messagePage],
  [['app', ':appId', 'sagas'], sagasPage],
  [['app', ':appId', 'saga', ':sagaId'], sagaPage],
  [['app', ':appId', 'msg', ':msgId', 'attempt', ':attemptId'], attemptPage],
  [['app', ':appId', 'endpoint', ':endpointId'], endpointPage],
  [['app', ':appId', 'endpoint', ':endpointId', 'edit'], endpointFormPage],
  [['event-types'], eventTypesPage],
  [['event-types', 'new'], eventTypeFormPage],
  [['event-type', ':name'], eventTypeFormPage],
  [['tokens'], tokensPage],
];

let current = null;

function render({ notice } = {}) {
  current?.abort();
  current = new AbortController();
  const { signal } = current;
  const token = session.token();
  signOutButton.hidden = !token;
  navigation.hidden = !token;
  if (!token) {
    document.title = 'Sign in · Idem console';
    replace(view, signInPage({ notice, onSignedIn: () => render() }));
    return;
  }
  const api = new ApiClient(token, () => {
    // Several requests may be refused at once; the first one signs out.
    if (session.token() !== token) return;
    session.signOut();
    // Let the failing page finish its own error handling before the sign-in form replaces it.
    queueMicrotask(() => render({ notice: 'The API refused the token; sign in again.' }));
  });
  const { segments, params } = currentLocation();
  const match = matchRoute(segments);
  if (!match) {
    replace(view, h('section', { class: 'page' }, emptyState('There is no such page in the console.', ''), h('p', {}, h('a', { href: links.applications() }, 'Go to the applications'))));
    return;
  }
  const [page, route] = match;
  markNavigation(segments);
  const container = h('section', { class: 'page' });
  replace(view, container);
  try {
    const result = page({ api, route, params, signal, container });
    if (result && typeof result.catch === 'function') {
      result.catch((error) => {
        if (!signal.aborted && error?.name !== 'AbortError') replace(container, errorState(error));
      });
    }
  } catch (error) {
    replace(container, errorState(error));
  }
}

function matchRoute(segments) {
  for (const [pattern, page] of ROUTES) {
    if (pattern.length !== segments.length) continue;
    const route = {};
    const matches = pattern.every((part, index) => {
      if (part.startsWith(':')) {
        route[part.slice(1)] = segments[index];
        return true;
      }
      return part === segments[index];
    });
    if (matches) return [page, route];
  }
  return null;
}

function markNavigation(segments) {
  const section = segments[0] === 'event-types' || segments[0] === 'event-type' ? 'event-types' : segments[0] === 'tokens' ? 'tokens' : 'applications';
  for (const link of navigation.querySelectorAll('a')) {
    if (link.dataset.section === section) link.setAttribute('aria-current', 'page');
    else link.removeAttribute('aria-current');
  }
}

signOutButton.addEventListener('click', () => {
  session.signOut();
  render({ notice: 'Signed out.' });
});
window.addEventListener('hashchange', () => render());
render();
