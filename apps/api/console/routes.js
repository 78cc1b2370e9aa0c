// Hash routing: the whole state of a page (which page, its filters, its pagination) is in the
// fragment, e.g. `#/app/app_x/messages?eventTypes=a,b&status=2`, so any view can be shared as a link
// and the server only ever serves index.html.

/** The current location: path segments (decoded) and query parameters. */
export function currentLocation() {
  const fragment = location.hash.replace(/^#\/?/, '');
  const [path, query = ''] = splitOnce(fragment, '?');
  const segments = path.split('/').filter(Boolean).map(safeDecode);
  return { segments, params: new URLSearchParams(query) };
}

/**
 * A link to a console page. Segments are encoded one by one; empty parameters are left out and
 * commas stay readable, since lists such as event types are written `a,b`.
 */
export function href(segments, params = {}) {
  const path = segments.map((segment) => encodeURIComponent(segment)).join('/');
  const query = Object.entries(params)
    .filter(([, value]) => value !== undefined && value !== null && value !== '')
    .map(([name, value]) => `${encodeURIComponent(name)}=${encodeURIComponent(String(value)).replace(/%2C/g, ',').replace(/%3A/g, ':')}`)
    .join('&');
  return `#/${path}${query ? `?${query}` : ''}`;
}

/** The parameters of `params` as a plain object, with `changes` applied (undefined removes one). */
export function withParams(params, changes) {
  const next = Object.fromEntries(params.entries());
  for (const [name, value] of Object.entries(changes)) {
    if (value === undefined || value === null || value === '') delete next[name];
    else next[name] = value;
  }
  return next;
}

export function navigate(target) {
  if (location.hash === target) window.dispatchEvent(new HashChangeEvent('hashchange'));
  else location.hash = target;
}

export const links = {
  applications: (params) => href(['apps'], params),
  endpoints: (appId, params) => href(['app', appId, 'endpoints'], params),
  messages: (appId, params) => href(['app', appId, 'messages'], params),
  sagas: (appId, params) => href(['app', appId, 'sagas'], params),
  saga: (appId, sagaId) => href(['app', appId, 'saga', sagaId]),
  message: (appId, msgId) => href(['app', appId, 'msg', msgId]),
  endpoint: (appId, endpointId, params) => href(['app', appId, 'endpoint', endpointId], params),
  newApplication: () => href(['apps', 'new']),
  applicationSettings: (appId) => href(['app', appId, 'settings']),
  newEndpoint: (appId) => href(['app', appId, 'endpoints', 'new']),
  editEndpoint: (appId, endpointId) => href(['app', appId, 'endpoint', endpointId, 'edit']),
  attempt: (appId, msgId, attemptId) => href(['app', appId, 'msg', msgId, 'attempt', attemptId]),
  eventTypes: (params) => href(['event-types'], params),
  newEventType: () => href(['event-types', 'new']),
  eventType: (name) => href(['event-type', name]),
  tokens: () => href(['tokens']),
};

function splitOnce(text, separator) {
  const at = text.indexOf(separator);
  return at === -1 ? [text] : [text.slice(0, at), text.slice(at + 1)];
}

function safeDecode(segment) {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}
