import { RawRequest, SecuritySuite, startSecuritySuite } from './support/security-suite';

const COUNTER_TABLES = ['endpoint_delivery_counts', 'endpoint_attempt_counts'];

/** What the cases refer to, made in `beforeAll`. */
interface Fixtures {
  appA: string;
  appB: string;
  endpointA: string;
  endpointB: string;
  messageB: string;
  /** Scoped to A: a foreign token for everything of B. */
  tokenA: string;
  revokedToken: string;
  /** Scoped to an application that was deleted since. */
  orphanedToken: string;
  adminToken: string;
}

type CaseClass =
  | 'size'
  | 'nesting'
  | 'types'
  | 'media type'
  | 'unicode'
  | 'injection'
  | 'forbidden URL'
  | 'bad token'
  | 'foreign token'
  | 'iterator'
  | 'limit';

interface BadCase {
  class: CaseClass;
  name: string;
  request: (f: Fixtures) => RawRequest;
  status: number;
  /** Svix's `code`, for answers in the `{code, detail}` shape. */
  code?: string;
  /** For 422: the `loc` of a problem the answer must list, and what its message must say. */
  loc?: string[];
  msg?: RegExp;
}

const APPS = '/api/v1/app';
const messagesOf = (app: string) => `/api/v1/app/${app}/msg`;
const endpointsOf = (app: string) => `/api/v1/app/${app}/endpoint`;
const SQL = "' OR '1'='1'; DROP TABLE applications; --";
const SCRIPT = '<script>alert(document.cookie)</script>';
const RLO = '\u202e';
const BIG_PAYLOAD = JSON.stringify({ eventType: 'big', payload: { blob: 'a'.repeat(600 * 1024) } });
const nested = (depth: number) => '{"a":'.repeat(depth) + '1' + '}'.repeat(depth);
const manyHeaders = Object.fromEntries(Array.from({ length: 150 }, (_, i) => [`x-filler-${i}`, '1']));

const post = (path: string, body: unknown, extra: Partial<RawRequest> = {}): RawRequest => ({ method: 'POST', path, body, ...extra });
const raw = (path: string, rawBody: string | Buffer, contentType = 'application/json', extra: Partial<RawRequest> = {}): RawRequest => ({
  method: 'POST',
  path,
  rawBody,
  headers: { 'content-type': contentType },
  ...extra,
});
const get = (path: string, extra: Partial<RawRequest> = {}): RawRequest => ({ method: 'GET', path, ...extra });
const put = (path: string, body: unknown): RawRequest => ({ method: 'PUT', path, body });
const patch = (path: string, body: unknown): RawRequest => ({ method: 'PATCH', path, body });
const headersOf = (app: string, endpoint: string) => `${endpointsOf(app)}/${endpoint}/headers`;

const CASES: BadCase[] = [
  // Oversized
  { class: 'size', name: 'body over IDEM_MAX_PAYLOAD_BYTES', request: (f) => raw(messagesOf(f.appA), BIG_PAYLOAD), status: 413, code: 'payload_too_large' },
  {
    class: 'size',
    name: 'chunked body over IDEM_MAX_PAYLOAD_BYTES (no Content-Length)',
    request: (f) => ({ ...raw(messagesOf(f.appA), BIG_PAYLOAD), headers: { 'content-type': 'application/json', 'transfer-encoding': 'chunked' } }),
    status: 413,
    code: 'payload_too_large',
  },
  { class: 'size', name: 'uid of 2,000 characters', request: () => post(APPS, { name: 'x', uid: 'u'.repeat(2000) }), status: 422, loc: ['body', 'uid'] },
  { class: 'size', name: 'event type name of 257 characters', request: (f) => post(messagesOf(f.appA), { eventType: 'e'.repeat(257), payload: {} }), status: 422, loc: ['body', 'eventType'] },
  { class: 'size', name: 'eventId of 257 characters', request: (f) => post(messagesOf(f.appA), { eventType: 'x', eventId: 'i'.repeat(257), payload: {} }), status: 422, loc: ['body', 'eventId'] },
  { class: 'size', name: 'endpoint URL of 2,049 characters', request: (f) => post(endpointsOf(f.appA), { url: `https://example.com/${'p'.repeat(2029)}` }), status: 422, loc: ['body', 'url'] },
  { class: 'size', name: 'application name of 257 characters', request: () => post(APPS, { name: 'n'.repeat(257) }), status: 422, loc: ['body', 'name'] },
  { class: 'size', name: 'a 20 KB header', request: () => get(APPS, { headers: { 'x-padding': 'a'.repeat(20_000) } }), status: 431, code: 'request_header_fields_too_large' },
  { class: 'size', name: '150 header fields', request: () => get(APPS, { headers: manyHeaders }), status: 431, code: 'request_header_fields_too_large' },
  { class: 'size', name: 'Idempotency-Key of 300 characters', request: () => post(APPS, { name: 'x' }, { headers: { 'idempotency-key': 'k'.repeat(300) } }), status: 422, loc: ['header', 'idempotency-key'] },

  // Deeply nested JSON
  { class: 'nesting', name: 'payload nested 65 deep', request: (f) => raw(messagesOf(f.appA), `{"eventType":"x","payload":${nested(64)}}`), status: 422, loc: ['body'], msg: /64/ },
  { class: 'nesting', name: '100,000 nested arrays', request: () => raw(APPS, '['.repeat(100_000) + ']'.repeat(100_000)), status: 422, loc: ['body'] },
  { class: 'nesting', name: 'metadata nested 1,000 deep', request: () => raw(APPS, `{"name":"x","metadata":${nested(1000)}}`), status: 422, loc: ['body'] },

  // Wrong types and malformed JSON
  { class: 'types', name: 'body is a JSON array', request: () => raw(APPS, '[{"name":"x"}]'), status: 422, loc: ['body'] },
  { class: 'types', name: 'body is a JSON string', request: () => raw(APPS, '"x"'), status: 400, code: 'bad_request' },
  { class: 'types', name: 'body is JSON null', request: () => raw(APPS, 'null'), status: 400, code: 'bad_request' },
  { class: 'types', name: 'malformed JSON', request: (f) => raw(messagesOf(f.appA), '{"eventType": "x", "payload": {'), status: 400, code: 'bad_request' },
  { class: 'types', name: 'empty JSON body', request: () => raw(APPS, ''), status: 422, loc: ['body', 'name'] },
  { class: 'types', name: 'no body at all', request: () => ({ method: 'POST', path: APPS, headers: { 'content-length': '0' } }), status: 422, loc: ['body', 'name'] },
  { class: 'types', name: 'eventType is a number', request: (f) => post(messagesOf(f.appA), { eventType: 5, payload: {} }), status: 422, loc: ['body', 'eventType'] },
  { class: 'types', name: 'payload is a string', request: (f) => post(messagesOf(f.appA), { eventType: 'x', payload: '{}' }), status: 422, loc: ['body', 'payload'] },
  { class: 'types', name: 'payload is an array', request: (f) => post(messagesOf(f.appA), { eventType: 'x', payload: [1, 2] }), status: 422, loc: ['body', 'payload'] },
  { class: 'types', name: 'name is a boolean', request: () => post(APPS, { name: true }), status: 422, loc: ['body', 'name'] },
  { class: 'types', name: 'metadata is a list', request: () => post(APPS, { name: 'x', metadata: ['a'] }), status: 422, loc: ['body', 'metadata'] },
  { class: 'types', name: 'filterTypes is a string', request: (f) => post(endpointsOf(f.appA), { url: 'https://example.com', filterTypes: 'a.b' }), status: 422, loc: ['body', 'filterTypes'] },
  { class: 'types', name: '11 channels', request: (f) => post(messagesOf(f.appA), { eventType: 'x', payload: {}, channels: Array.from({ length: 11 }, (_, i) => `c${i}`) }), status: 422, loc: ['body', 'channels'] },
  { class: 'types', name: 'negative throttleRate', request: () => post(APPS, { name: 'x', throttleRate: -5 }), status: 422, loc: ['body', 'throttleRate'] },
  { class: 'types', name: 'disabled is "yes"', request: (f) => post(endpointsOf(f.appA), { url: 'https://example.com', disabled: 'yes' }), status: 422, loc: ['body', 'disabled'] },
  { class: 'types', name: 'version is 1e400 (Infinity)', request: (f) => raw(endpointsOf(f.appA), '{"url":"https://example.com","version":1e400}'), status: 422, loc: ['body', 'version'] },
  { class: 'types', name: 'endpoint throttleRate 0', request: (f) => post(endpointsOf(f.appA), { url: 'https://example.com', throttleRate: 0 }), status: 422, loc: ['body', 'throttleRate'] },
  { class: 'types', name: 'endpoint rateLimit past uint16', request: (f) => post(endpointsOf(f.appA), { url: 'https://example.com', rateLimit: 65536 }), status: 422, loc: ['body', 'rateLimit'] },
  { class: 'types', name: 'payloadRetentionPeriod 91 days', request: (f) => post(messagesOf(f.appA), { eventType: 'x', payload: {}, payloadRetentionPeriod: 91 }), status: 422, loc: ['body', 'payloadRetentionPeriod'] },
  { class: 'types', name: 'payloadRetentionHours 1.5', request: (f) => post(messagesOf(f.appA), { eventType: 'x', payload: {}, payloadRetentionHours: 1.5 }), status: 422, loc: ['body', 'payloadRetentionHours'] },
  { class: 'types', name: 'secret not whsec_', request: (f) => post(endpointsOf(f.appA), { url: 'https://example.com', secret: 'plain' }), status: 422, loc: ['body', 'secret'] },

  // Bodies that are not JSON in UTF-8
  { class: 'media type', name: 'URL-encoded form', request: () => raw(APPS, 'name=x', 'application/x-www-form-urlencoded'), status: 415, code: 'unsupported_media_type' },
  { class: 'media type', name: 'JSON sent as text/plain', request: () => raw(APPS, '{"name":"x"}', 'text/plain'), status: 415, code: 'unsupported_media_type' },
  { class: 'media type', name: 'JSON without a Content-Type', request: () => ({ method: 'POST', path: APPS, rawBody: '{"name":"x"}' }), status: 415, code: 'unsupported_media_type' },
  { class: 'media type', name: 'JSON in ISO-8859-1', request: () => raw(APPS, '{"name":"x"}', 'application/json; charset=iso-8859-1'), status: 415, code: 'unsupported_media_type' },
  {
    class: 'media type',
    name: 'gzip-compressed JSON',
    request: () => ({ ...raw(APPS, '{"name":"x"}'), headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' } }),
    status: 415,
    code: 'unsupported_media_type',
  },

  // Unicode edge cases
  { class: 'unicode', name: 'NUL in an application name', request: () => post(APPS, { name: 'a\u0000b' }), status: 422, loc: ['body', 'name'] },
  { class: 'unicode', name: 'NUL in a metadata key', request: () => post(APPS, { name: 'x', metadata: { 'k\u0000': 'v' } }), status: 422, loc: ['body', 'metadata', 'k\u0000'] },
  { class: 'unicode', name: 'NUL in a payload value', request: (f) => post(messagesOf(f.appA), { eventType: 'x', payload: { note: 'a\u0000' } }), status: 422, loc: ['body', 'payload', 'note'] },
  { class: 'unicode', name: 'NUL in an eventId', request: (f) => post(messagesOf(f.appA), { eventType: 'x', eventId: 'e\u0000', payload: {} }), status: 422, loc: ['body', 'eventId'] },
  { class: 'unicode', name: 'NUL in an event type description', request: () => post('/api/v1/event-type', { name: 'nul.desc', description: 'x\u0000' }), status: 422, loc: ['body', 'description'] },
  { class: 'unicode', name: 'lone high surrogate in a name', request: () => raw(APPS, '{"name":"a\\ud800"}'), status: 422, loc: ['body', 'name'] },
  { class: 'unicode', name: 'lone low surrogate in a description', request: (f) => raw(endpointsOf(f.appA), '{"url":"https://example.com","description":"\\udc00x"}'), status: 422, loc: ['body', 'description'] },
  { class: 'unicode', name: 'RTL override in an application name', request: () => post(APPS, { name: `invoice${RLO}fdp.exe` }), status: 422, loc: ['body', 'name'] },
  { class: 'unicode', name: 'RTL override in a token name', request: () => post('/api/v1/auth/token', { name: `ci${RLO}nimda` }), status: 422, loc: ['body', 'name'] },
  { class: 'unicode', name: 'RTL override in a uid', request: () => post(APPS, { name: 'x', uid: `acme${RLO}` }), status: 422, loc: ['body', 'uid'] },
  { class: 'unicode', name: 'zero-width space in a uid', request: () => post(APPS, { name: 'x', uid: 'ac\u200bme' }), status: 422, loc: ['body', 'uid'] },
  { class: 'unicode', name: 'Cyrillic look-alike in an event type name', request: (f) => post(messagesOf(f.appA), { eventType: 'user.\u0441reated', payload: {} }), status: 422, loc: ['body', 'eventType'] },
  { class: 'unicode', name: 'emoji in a channel', request: (f) => post(messagesOf(f.appA), { eventType: 'x', payload: {}, channels: ['eu-😀'] }), status: 422, loc: ['body', 'channels'] },
  { class: 'unicode', name: 'NUL in the application of a path', request: () => get(`${APPS}/%00`), status: 422, loc: ['path', 'app_id'] },
  { class: 'unicode', name: 'NUL in a query parameter', request: (f) => get(`${messagesOf(f.appA)}?channel=eu%00`), status: 422, loc: ['query', 'channel'] },
  { class: 'unicode', name: 'invalid percent-encoding in a path', request: () => get(`${APPS}/%ff%fe`), status: 400, code: 'bad_request' },

  // SQL and script injection where the field has a shape to keep
  { class: 'injection', name: 'SQL in a uid', request: () => post(APPS, { name: 'x', uid: SQL }), status: 422, loc: ['body', 'uid'] },
  { class: 'injection', name: 'SQL as the application of a path', request: () => get(`${APPS}/${encodeURIComponent(SQL)}`), status: 404, code: 'not_found' },
  { class: 'injection', name: 'SQL as the endpoint of a path', request: (f) => ({ method: 'DELETE', path: `${endpointsOf(f.appA)}/${encodeURIComponent('1;DELETE FROM endpoints')}` }), status: 404, code: 'not_found' },
  { class: 'injection', name: 'SQL in an event type name', request: (f) => post(messagesOf(f.appA), { eventType: SQL, payload: {} }), status: 422, loc: ['body', 'eventType'] },
  { class: 'injection', name: 'SQL in a channel', request: (f) => post(endpointsOf(f.appA), { url: 'https://example.com', channels: [SQL] }), status: 422, loc: ['body', 'channels'] },
  { class: 'injection', name: 'SQL in the event_types filter', request: (f) => get(`${messagesOf(f.appA)}?event_types=${encodeURIComponent(SQL)}`), status: 422, loc: ['query', 'event_types'] },
  { class: 'injection', name: 'SQL in order', request: () => get(`${APPS}?order=${encodeURIComponent('id; DROP TABLE applications')}`), status: 422, loc: ['query', 'order'] },
  { class: 'injection', name: 'SQL as a token scope', request: () => post('/api/v1/auth/token', { name: 'x', appId: SQL }), status: 422, loc: ['body', 'appId'] },
  { class: 'injection', name: 'script in a uid', request: () => post(APPS, { name: 'x', uid: SCRIPT }), status: 422, loc: ['body', 'uid'] },
  { class: 'injection', name: 'script in filterTypes', request: (f) => post(endpointsOf(f.appA), { url: 'https://example.com', filterTypes: [SCRIPT] }), status: 422, loc: ['body', 'filterTypes'] },
  { class: 'injection', name: 'script as an event type name in a path', request: () => ({ method: 'PUT', path: `/api/v1/event-type/${encodeURIComponent(SCRIPT)}`, body: { description: 'x' } }), status: 422, loc: ['path', 'event_type_name'] },
  { class: 'injection', name: 'path traversal as an application', request: () => get(`${APPS}/..%2F..%2Fetc%2Fpasswd`), status: 404, code: 'not_found' },

  // Endpoint URLs the TargetPolicy refuses (this suite runs with IDEM_ALLOW_PRIVATE_TARGETS=false)
  ...(
    [
      ['loopback', 'http://127.0.0.1:8080/hook', /loopback address 127\.0\.0\.1 \(IDEM_ALLOW_PRIVATE_TARGETS=true, or an IDEM_TARGET_ALLOWLIST entry/],
      ['cloud metadata', 'http://169.254.169.254/latest/meta-data/', /cloud metadata/],
      ['IPv6 loopback', 'http://[::1]/hook', /loopback/],
      ['loopback as a decimal number', 'http://2130706433/hook', /^loopback address 127\.0\.0\.1 .*IDEM_ALLOW_PRIVATE_TARGETS/],
      ['loopback in hex', 'http://0x7f.0.0.1/hook', /^loopback address 127\.0\.0\.1/],
      ['loopback in short hex', 'http://0x7f.1/hook', /^loopback address 127\.0\.0\.1/],
      ['cloud metadata with a trailing dot', 'http://169.254.169.254./', /^cloud metadata address 169\.254\.169\.254 .*IDEM_TARGET_ALLOWLIST/],
      ['a name for loopback', 'http://localhost:9/', /^localhost resolves to loopback address/],
      ['IPv4-mapped loopback', 'http://[::ffff:127.0.0.1]/hook', /loopback/],
      ['private network', 'http://10.1.2.3/hook', /private/],
      ['home network', 'https://192.168.0.1/hook', /private/],
      ['AWS IPv6 metadata', 'http://[fd00:ec2::254]/', /cloud metadata/],
      ['Alibaba metadata', 'http://100.100.100.200/latest/meta-data/', /cloud metadata/],
      ['unspecified address', 'http://0.0.0.0:80/', /unspecified/],
      ['file scheme', 'file:///etc/passwd', /./],
      ['javascript scheme', 'javascript:alert(1)', /./],
      ['gopher scheme', 'gopher://example.com/', /./],
      ['credentials in the URL', 'https://user:secret@example.com/hook', /user name or password/],
    ] as const
  ).map(
    ([what, url, msg]): BadCase => ({ class: 'forbidden URL', name: `endpoint on ${what} (${url})`, request: (f) => post(endpointsOf(f.appA), { url }), status: 422, loc: ['body', 'url'], msg }),
  ),
  { class: 'forbidden URL', name: 'PATCH an endpoint to cloud metadata', request: (f) => ({ method: 'PATCH', path: `${endpointsOf(f.appA)}/${f.endpointA}`, body: { url: 'http://169.254.169.254/' } }), status: 422, loc: ['body', 'url'], msg: /cloud metadata/ },
  { class: 'forbidden URL', name: 'PUT an endpoint to loopback', request: (f) => ({ method: 'PUT', path: `${endpointsOf(f.appA)}/${f.endpointA}`, body: { url: 'http://127.0.0.1/' } }), status: 422, loc: ['body', 'url'], msg: /loopback/ },
  { class: 'forbidden URL', name: 'PUT creating an endpoint on a private network', request: (f) => ({ method: 'PUT', path: `${endpointsOf(f.appA)}/new-uid`, body: { url: 'http://10.0.0.1/' } }), status: 422, loc: ['body', 'url'], msg: /private/ },

  // Bad tokens
  { class: 'bad token', name: 'no Authorization header', request: () => get(APPS, { token: null }), status: 401, code: 'authentication_failed' },
  { class: 'bad token', name: 'Basic instead of Bearer', request: (f) => get(APPS, { token: null, headers: { authorization: `Basic ${Buffer.from(`admin:${f.adminToken}`).toString('base64')}` } }), status: 401, code: 'authentication_failed' },
  { class: 'bad token', name: 'Bearer without a token', request: () => get(APPS, { token: null, headers: { authorization: 'Bearer ' } }), status: 401, code: 'authentication_failed' },
  { class: 'bad token', name: 'a well-formed token never issued', request: () => get(APPS, { token: `idem_${'A'.repeat(43)}` }), status: 401, code: 'authentication_failed' },
  { class: 'bad token', name: 'the admin token and one more character', request: (f) => get(APPS, { token: `${f.adminToken}x` }), status: 401, code: 'authentication_failed' },
  { class: 'bad token', name: 'the admin token less its last character', request: (f) => get(APPS, { token: f.adminToken.slice(0, -1) }), status: 401, code: 'authentication_failed' },
  { class: 'bad token', name: 'a revoked token', request: (f) => get(APPS, { token: f.revokedToken }), status: 401, code: 'authentication_failed' },
  { class: 'bad token', name: 'the token of a deleted application', request: (f) => get(APPS, { token: f.orphanedToken }), status: 401, code: 'authentication_failed' },
  { class: 'bad token', name: 'an 8 KB token', request: () => get(APPS, { token: `idem_${'x'.repeat(8192)}` }), status: 401, code: 'authentication_failed' },
  { class: 'bad token', name: 'a token with a Latin-1 byte', request: () => get(APPS, { token: `idem_${'\u00ff'.repeat(43)}` }), status: 401, code: 'authentication_failed' },
  { class: 'bad token', name: 'the admin token in the query string', request: (f) => get(`${APPS}?token=${f.adminToken}`, { token: null }), status: 401, code: 'authentication_failed' },

  // A token scoped to application A, on application B
  { class: 'foreign token', name: 'GET B by id', request: (f) => get(`${APPS}/${f.appB}`, { token: f.tokenA }), status: 404, code: 'not_found' },
  { class: 'foreign token', name: 'GET B by uid', request: (f) => get(`${APPS}/bad-b`, { token: f.tokenA }), status: 404, code: 'not_found' },
  { class: 'foreign token', name: 'POST a message to B', request: (f) => post(messagesOf(f.appB), { eventType: 'x', payload: {} }, { token: f.tokenA }), status: 404, code: 'not_found' },
  { class: 'foreign token', name: 'rename B', request: (f) => ({ method: 'PUT', path: `${APPS}/${f.appB}`, body: { name: 'mine now' }, token: f.tokenA }), status: 404, code: 'not_found' },
  { class: 'foreign token', name: 'delete B', request: (f) => ({ method: 'DELETE', path: `${APPS}/${f.appB}`, token: f.tokenA }), status: 404, code: 'not_found' },
  { class: 'foreign token', name: "read B's endpoint secret", request: (f) => get(`${endpointsOf(f.appB)}/${f.endpointB}/secret`, { token: f.tokenA }), status: 404, code: 'not_found' },
  { class: 'foreign token', name: "rotate B's endpoint secret", request: (f) => post(`${endpointsOf(f.appB)}/${f.endpointB}/secret/rotate`, {}, { token: f.tokenA }), status: 404, code: 'not_found' },
  { class: 'foreign token', name: "read B's message", request: (f) => get(`${messagesOf(f.appB)}/${f.messageB}`, { token: f.tokenA }), status: 404, code: 'not_found' },
  { class: 'foreign token', name: 'create an application', request: (f) => post(APPS, { name: 'x' }, { token: f.tokenA }), status: 403, code: 'forbidden' },
  { class: 'foreign token', name: 'create a token', request: (f) => post('/api/v1/auth/token', { name: 'x' }, { token: f.tokenA }), status: 403, code: 'forbidden' },
  { class: 'foreign token', name: 'list tokens', request: (f) => get('/api/v1/auth/token', { token: f.tokenA }), status: 403, code: 'forbidden' },
  { class: 'foreign token', name: 'archive an event type', request: (f) => ({ method: 'DELETE', path: '/api/v1/event-type/bad.event', token: f.tokenA }), status: 403, code: 'forbidden' },

  // Pagination iterators
  { class: 'iterator', name: 'an id of another kind', request: (f) => get(`${APPS}?iterator=${f.messageB}`), status: 422, loc: ['query', 'iterator'] },
  { class: 'iterator', name: 'a lone "-"', request: () => get(`${APPS}?iterator=-`), status: 422, loc: ['query', 'iterator'] },
  { class: 'iterator', name: 'a double "--"', request: (f) => get(`${APPS}?iterator=--${f.appA}`), status: 422, loc: ['query', 'iterator'] },
  { class: 'iterator', name: 'garbage', request: (f) => get(`${messagesOf(f.appA)}?iterator=abc`), status: 422, loc: ['query', 'iterator'] },
  { class: 'iterator', name: '10 KB', request: (f) => get(`${messagesOf(f.appA)}?iterator=msg_${'0'.repeat(10_000)}`), status: 422, loc: ['query', 'iterator'] },
  { class: 'iterator', name: 'SQL', request: () => get(`${APPS}?iterator=${encodeURIComponent(SQL)}`), status: 422, loc: ['query', 'iterator'] },
  { class: 'iterator', name: 'non-ASCII', request: () => get(`${APPS}?iterator=${encodeURIComponent('app_☃')}`), status: 422, loc: ['query', 'iterator'] },
  { class: 'iterator', name: 'event type iterator that is not hex', request: () => get('/api/v1/event-type?iterator=zz'), status: 422, loc: ['query', 'iterator'] },
  { class: 'iterator', name: 'event type iterator decoding to a bad name', request: () => get(`/api/v1/event-type?iterator=${Buffer.from('a b').toString('hex')}`), status: 422, loc: ['query', 'iterator'] },

  // Limits and other query values
  ...['0', '-1', '251', '1.5', 'ten', '', '99999999999999999999'].map(
    (limit): BadCase => ({ class: 'limit', name: `limit=${limit || '(empty)'}`, request: () => get(`${APPS}?limit=${encodeURIComponent(limit)}`), status: 422, loc: ['query', 'limit'] }),
  ),
  { class: 'limit', name: 'limit given twice', request: () => get(`${APPS}?limit=1&limit=2`), status: 422, loc: ['query', 'limit'] },
  { class: 'limit', name: 'order=sideways', request: () => get(`${APPS}?order=sideways`), status: 422, loc: ['query', 'order'] },
  { class: 'limit', name: 'before is not a date', request: (f) => get(`${messagesOf(f.appA)}?before=yesterday`), status: 422, loc: ['query', 'before'] },  // Endpoint headers: what would split the request, or override what Idem sends itself
  { class: 'injection', name: 'CR LF in an endpoint header value', request: (f) => put(headersOf(f.appA, f.endpointA), { headers: { 'X-Tenant': 'a\r\nX-Injected: 1' } }), status: 422, loc: ['body', 'headers', 'X-Tenant'] },
  { class: 'injection', name: 'endpoint header name with a colon and a space', request: (f) => put(headersOf(f.appA, f.endpointA), { headers: { 'X-A: b': 'c' } }), status: 422, loc: ['body', 'headers', 'X-A: b'] },
  { class: 'injection', name: 'endpoint header webhook-signature', request: (f) => put(headersOf(f.appA, f.endpointA), { headers: { 'Webhook-Signature': 'v1,forged' } }), status: 422, loc: ['body', 'headers', 'Webhook-Signature'], msg: /set by Idem/ },
  { class: 'injection', name: 'endpoint header svix-id by patch', request: (f) => patch(headersOf(f.appA, f.endpointA), { headers: { 'svix-id': 'msg_x' } }), status: 422, loc: ['body', 'headers', 'svix-id'], msg: /reserved/ },
  { class: 'injection', name: 'endpoint header Host on create', request: (f) => post(endpointsOf(f.appA), { url: 'https://example.com', headers: { Host: 'internal' } }), status: 422, loc: ['body', 'headers', 'Host'] },
  { class: 'size', name: '51 endpoint headers', request: (f) => put(headersOf(f.appA, f.endpointA), { headers: Object.fromEntries(Array.from({ length: 51 }, (_, i) => [`x-h${i}`, '1'])) }), status: 422, loc: ['body', 'headers'] },
  { class: 'size', name: 'endpoint header value of 4,097 bytes', request: (f) => put(headersOf(f.appA, f.endpointA), { headers: { 'x-big': 'v'.repeat(4097) } }), status: 422, loc: ['body', 'headers', 'x-big'] },
  { class: 'types', name: 'endpoint headers is a list', request: (f) => put(headersOf(f.appA, f.endpointA), { headers: ['x-a'] }), status: 422, loc: ['body', 'headers'] },
  { class: 'types', name: 'endpoint header value is a number', request: (f) => put(headersOf(f.appA, f.endpointA), { headers: { 'x-n': 5 } }), status: 422, loc: ['body', 'headers', 'x-n'] },
  { class: 'unicode', name: 'NUL in an endpoint header value', request: (f) => patch(headersOf(f.appA, f.endpointA), { headers: { 'x-nul': 'a\u0000' } }), status: 422, loc: ['body', 'headers', 'x-nul'] },
  { class: 'foreign token', name: "another application's endpoint headers", request: (f) => get(headersOf(f.appB, f.endpointB), { token: f.tokenA }), status: 404, code: 'not_found' },
];

/** Free-text fields take hostile strings as data: stored and returned byte for byte, never interpreted. */
const HOSTILE_TEXT = [SQL, SCRIPT, "Robert'); DELETE FROM api_tokens;--", '{{7*7}}${7*7}<%= 7*7 %>'];

interface VerbatimCase {
  name: string;
  request: (f: Fixtures, text: string) => RawRequest;
  /** Reads back what was stored, through the API. */
  readBack: (f: Fixtures, created: any) => RawRequest;
  pick: (stored: any) => unknown;
  writes: Record<string, number>;
}

const VERBATIM: VerbatimCase[] = [
  { name: 'application name', request: (_, text) => post(APPS, { name: text }), readBack: (_, app) => get(`${APPS}/${app.id}`), pick: (app) => app.name, writes: { applications: 1 } },
  {
    name: 'application metadata value',
    request: (_, text) => post(APPS, { name: 'meta', metadata: { note: text } }),
    readBack: (_, app) => get(`${APPS}/${app.id}`),
    pick: (app) => app.metadata.note,
    writes: { applications: 1 },
  },
  {
    name: 'endpoint description',
    request: (f, text) => post(endpointsOf(f.appB), { url: 'https://example.com/verbatim', description: text }),
    readBack: (f, endpoint) => get(`${endpointsOf(f.appB)}/${endpoint.id}`),
    pick: (endpoint) => endpoint.description,
    writes: { endpoints: 1, endpoint_secrets: 1 },
  },
  {
    name: 'message payload value',
    request: (f, text) => post(messagesOf(f.appA), { eventType: 'verbatim', payload: { note: text } }),
    readBack: (f, message) => get(`${messagesOf(f.appA)}/${message.id}`),
    pick: (message) => message.payload.note,
    writes: { messages: 1, deliveries: 1 },
  },
  {
    name: 'message eventId',
    // Each with a payload of its own: the same payload under a new eventId every time is what the send-time-key detector flags.
    request: (f, text) => {
      const eventId = `${text}-${Math.random()}`;
      return post(messagesOf(f.appA), { eventType: 'verbatim', eventId, payload: { eventId } });
    },
    readBack: (f, message) => get(`${messagesOf(f.appA)}/${message.id}`),
    pick: (message) => (message.eventId as string).replace(/-[0-9.]+$/, ''),
    writes: { messages: 1, message_event_ids: 1, deliveries: 1, payload_fingerprints: 1 },
  },
  {
    name: 'token name',
    request: (_, text) => post('/api/v1/auth/token', { name: text }),
    readBack: () => get('/api/v1/auth/token?order=descending&limit=1'),
    pick: (list) => list.data[0].name,
    writes: { api_tokens: 1 },
  },
];

describe('Bad input: hostile and malformed requests', () => {
  let suite: SecuritySuite;
  let fixtures: Fixtures;

  beforeAll(async () => {
    suite = await startSecuritySuite({ IDEM_ALLOW_PRIVATE_TARGETS: 'false' });
    const created = async (request: RawRequest) => {
      const response = await suite.send(request);
      if (response.status >= 300) throw new Error(`fixture ${request.method} ${request.path} answered ${response.status}: ${JSON.stringify(response.body)}`);
      return response.body;
    };
    const appA = (await created(post(APPS, { name: 'Bad input A', uid: 'bad-a' }))).id;
    const appB = (await created(post(APPS, { name: 'Bad input B', uid: 'bad-b' }))).id;
    const endpointA = (await created(post(endpointsOf(appA), { url: 'https://a.example.com/hook' }))).id;
    const endpointB = (await created(post(endpointsOf(appB), { url: 'https://b.example.com/hook' }))).id;
    const messageB = (await created(post(messagesOf(appB), { eventType: 'bad.event', payload: {} }))).id;
    await created(post('/api/v1/event-type', { name: 'bad.event', description: 'x' }));
    const tokenA = (await suite.createToken('A', appA)).token;
    const revoked = await suite.createToken('revoked');
    await created({ method: 'DELETE', path: `/api/v1/auth/token/${revoked.id}` });
    const appC = (await created(post(APPS, { name: 'Bad input C' }))).id;
    const orphaned = await suite.createToken('orphaned', appC);
    await created({ method: 'DELETE', path: `${APPS}/${appC}` });
    fixtures = { appA, appB, endpointA, endpointB, messageB, tokenA, revokedToken: revoked.token, orphanedToken: orphaned.token, adminToken: suite.environment.adminToken };
  });

  afterAll(async () => {
    await suite?.close();
  });

  it('has at least 40 hostile cases in every class', () => {
    expect(CASES.length).toBeGreaterThanOrEqual(40);
    const classes = new Set(CASES.map((testCase) => testCase.class));
    expect([...classes].sort()).toEqual(
      ['size', 'nesting', 'types', 'media type', 'unicode', 'injection', 'forbidden URL', 'bad token', 'foreign token', 'iterator', 'limit'].sort(),
    );
  });

  it.each(CASES)('$class: $name → $status', async (testCase) => {
    const before = await suite.contentDigests();

    const response = await suite.send(testCase.request(fixtures));

    expect({ status: response.status, body: response.body }).toEqual({ status: testCase.status, body: expect.anything() });
    if (testCase.status === 422) {
      expect(response.body).toEqual({ detail: expect.any(Array) });
      for (const problem of response.body.detail) expect(problem).toEqual({ loc: expect.any(Array), msg: expect.any(String), type: expect.any(String) });
      if (testCase.loc) {
        expect(response.body.detail).toContainEqual({ loc: testCase.loc, msg: testCase.msg ? expect.stringMatching(testCase.msg) : expect.any(String), type: expect.any(String) });
        // One problem per field: a broken field is reported by its first broken rule only.
        const locs = (response.body.detail as { loc: string[] }[]).map((problem) => problem.loc.join('.'));
        expect(new Set(locs).size).toBe(locs.length);
      }
    } else {
      expect(response.body).toEqual({ code: testCase.code ?? expect.any(String), detail: expect.any(String) });
    }
    expect(response.headers['content-type']).toMatch(/^application\/json/);
    expect(await suite.contentDigests()).toEqual(before);
    expect((await suite.send({ method: 'GET', path: '/api/v1/health', token: null })).status).toBe(204);
  });

  const verbatimCases = VERBATIM.flatMap((field) => HOSTILE_TEXT.map((text) => ({ ...field, text })));

  it.each(verbatimCases)('free text: $name holds $text byte for byte', async (testCase) => {
    const before = await suite.rowCounts();

    const response = await suite.send(testCase.request(fixtures, testCase.text));

    expect(response.status).toBeGreaterThanOrEqual(200);
    expect(response.status).toBeLessThan(300);
    const stored = await suite.send(testCase.readBack(fixtures, response.body));
    expect(stored.headers['content-type']).toMatch(/^application\/json/);
    expect(testCase.pick(stored.body)).toBe(testCase.text);
    const after = await suite.rowCounts();
    // The endpoint stats' counters are derived from deliveries and attempts: a write adds a row to them only
    // when it is the first of its endpoint, hour and status (and connection), so they are not counted here.
    const written = Object.fromEntries(
      Object.keys(after)
        .filter((table) => after[table] !== before[table] && !COUNTER_TABLES.includes(table))
        .map((table) => [table, after[table] - before[table]]),
    );
    expect(written).toEqual(testCase.writes);
    expect((await suite.send({ method: 'GET', path: '/api/v1/health', token: null })).status).toBe(204);
  });
});
