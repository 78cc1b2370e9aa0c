/**
 * Custom headers an endpoint is sent with every attempt (Svix's endpoint headers), and the response
 * headers an attempt records. Names are kept as given and compared without regard to case, as HTTP does.
 */

/**
 * Names an endpoint may not set: the ones Idem writes itself (the signature scheme's, the body's, the
 * connection's), and those Svix refuses, so that headers Idem accepts would be accepted by Svix too.
 */
const RESERVED_NAMES = new Set([
  'webhook-id',
  'webhook-timestamp',
  'webhook-signature',
  'content-type',
  'content-length',
  'content-encoding',
  'content-language',
  'content-location',
  'host',
  'user-agent',
  'connection',
  'keep-alive',
  'transfer-encoding',
  'te',
  'trailers',
  'upgrade',
  'expect',
  'proxy-authenticate',
  'proxy-authorization',
  'age',
  'cache-control',
  'clear-site-data',
  'expires',
  'pragma',
  'warning',
]);

/** Prefixes of reserved names: Idem's own, Svix's, and those cloud load balancers act on (Svix refuses these too). */
const RESERVED_PREFIXES = ['idem-', 'svix-', 'x-svix-', 'x-amz-', 'x-amzn-', 'x-google', 'x-goog-', 'x-gfe', 'x-azure-', 'x-fd-'];

/**
 * Svix's sensitive headers: stored and sent, but never answered back. The endpoint headers GET leaves
 * their values out and names them in `sensitive`; recorded attempts show them redacted.
 */
const SENSITIVE_NAMES = new Set(['authorization', 'x-auth-token', 'www-authenticate', 'proxy-authenticate', 'proxy-authorization']);

/** RFC 9110's token: what a field name may be. */
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

/** Visible ASCII, space, tab and obs-text: a field value with no CR, LF or NUL that could split the request. */
const FIELD_VALUE = /^[\t\x20-\x7e\x80-\xff]*$/;

export const ENDPOINT_HEADER_LIMITS = {
  /** Svix's limit on one value. */
  valueBytes: 4096,
  nameLength: 256,
  count: 50,
  /**
   * Names and values together. Servers commonly refuse requests whose headers pass 8 KiB (nginx's
   * buffers) or 16 KiB (Node's default): the signature headers need room beside these.
   */
  totalBytes: 8 * 1024,
} as const;

export const REDACTED_HEADER_VALUE = '[redacted]';

export interface EndpointHeaderProblem {
  /** The header named, or null for a problem of the whole set (too many, too large). */
  name: string | null;
  message: string;
  type: string;
}

export function isSensitiveHeader(name: string): boolean {
  return SENSITIVE_NAMES.has(name.toLowerCase());
}

/** Why an endpoint may not set a header of this name, or null when it may. */
export function endpointHeaderNameProblem(name: string): string | null {
  if (!TOKEN.test(name)) return 'a header name must be an HTTP token (letters, digits and !#$%&\'*+-.^_`|~)';
  if (name.length > ENDPOINT_HEADER_LIMITS.nameLength) return `a header name must be at most ${ENDPOINT_HEADER_LIMITS.nameLength} characters`;
  const lower = name.toLowerCase();
  if (RESERVED_NAMES.has(lower)) return `${lower} is set by Idem and cannot be overridden`;
  const prefix = RESERVED_PREFIXES.find((reserved) => lower.startsWith(reserved));
  if (prefix) return `header names starting with ${prefix} are reserved`;
  return null;
}

function valueProblem(value: unknown): string | null {
  if (typeof value !== 'string') return 'a header value must be a string';
  if (!FIELD_VALUE.test(value)) return 'a header value may not contain CR, LF, NUL or other control characters';
  if (Buffer.byteLength(value, 'latin1') > ENDPOINT_HEADER_LIMITS.valueBytes) return `a header value must be at most ${ENDPOINT_HEADER_LIMITS.valueBytes} bytes`;
  return null;
}

/** Every problem of a complete set of endpoint headers; none means it may be stored. */
export function endpointHeadersProblems(headers: Readonly<Record<string, unknown>>): EndpointHeaderProblem[] {
  const problems: EndpointHeaderProblem[] = [];
  const seen = new Set<string>();
  let totalBytes = 0;
  for (const [name, value] of Object.entries(headers)) {
    const nameProblem = endpointHeaderNameProblem(name);
    if (nameProblem) {
      problems.push({ name, message: nameProblem, type: 'value_error.header.name' });
      continue;
    }
    if (seen.has(name.toLowerCase())) {
      problems.push({ name, message: 'the same header is named twice (names are not case-sensitive)', type: 'value_error.header.duplicate' });
      continue;
    }
    seen.add(name.toLowerCase());
    const problem = valueProblem(value);
    if (problem) problems.push({ name, message: problem, type: 'value_error.header.value' });
    else totalBytes += name.length + Buffer.byteLength(value as string, 'latin1');
  }
  if (seen.size > ENDPOINT_HEADER_LIMITS.count) {
    problems.push({ name: null, message: `an endpoint may have at most ${ENDPOINT_HEADER_LIMITS.count} headers`, type: 'value_error.headers.count' });
  }
  if (totalBytes > ENDPOINT_HEADER_LIMITS.totalBytes) {
    problems.push({ name: null, message: `an endpoint's headers must be at most ${ENDPOINT_HEADER_LIMITS.totalBytes} bytes together`, type: 'value_error.headers.size' });
  }
  return problems;
}

/**
 * Svix's headers patch: each named header is set, a null value (or a name in `deleteHeaders`, as newer
 * clients send) removes it. A name replaces the current header of that name whatever its case.
 */
export function patchEndpointHeaders(
  current: Readonly<Record<string, string>>,
  patch: Readonly<Record<string, string | null>>,
  deleteHeaders: readonly string[] = [],
): Record<string, string> {
  const removed = new Set([...deleteHeaders, ...Object.keys(patch)].map((name) => name.toLowerCase()));
  const kept = Object.entries(current).filter(([name]) => !removed.has(name.toLowerCase()));
  const added = Object.entries(patch).filter((entry): entry is [string, string] => entry[1] !== null);
  // fromEntries defines own properties: a header named __proto__ stays a header.
  return Object.fromEntries([...kept, ...added]);
}

/** Svix's `EndpointHeadersOut`: sensitive headers named, their values left out. */
export function endpointHeadersView(headers: Readonly<Record<string, string>>): { headers: Record<string, string>; sensitive: string[] } {
  const entries = Object.entries(headers);
  return {
    headers: Object.fromEntries(entries.filter(([name]) => !isSensitiveHeader(name))),
    sensitive: entries.filter(([name]) => isSensitiveHeader(name)).map(([name]) => name),
  };
}

/** The request headers of an attempt as they are recorded: sensitive values redacted. */
export function redactSensitiveHeaders(headers: Readonly<Record<string, string>>): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).map(([name, value]) => [name, isSensitiveHeader(name) ? REDACTED_HEADER_VALUE : value]));
}

export const RESPONSE_HEADER_LIMITS = { count: 50, totalBytes: 8 * 1024 } as const;

/** Response headers whose values are credentials for the sender, not facts about the response. */
const REDACTED_RESPONSE_HEADERS = new Set(['set-cookie', 'www-authenticate', 'proxy-authenticate']);

/**
 * The response headers an attempt records: lower-case names, repeated headers joined with `, `,
 * cookies and challenges redacted, and at most 50 headers and 8 KiB, the first ones as received (a
 * receiver's headers are not trusted to be few or small). NUL, which Postgres' jsonb cannot hold, is
 * replaced.
 */
export function recordableResponseHeaders(raw: Readonly<Record<string, string | string[] | undefined>>): Record<string, string> {
  const recorded: [string, string][] = [];
  let totalBytes = 0;
  for (const [rawName, rawValue] of Object.entries(raw)) {
    if (rawValue === undefined) continue;
    const name = rawName.toLowerCase();
    const joined = Array.isArray(rawValue) ? rawValue.join(', ') : rawValue;
    const value = REDACTED_RESPONSE_HEADERS.has(name) ? REDACTED_HEADER_VALUE : joined.replace(/\u0000/g, '\uFFFD');
    const bytes = Buffer.byteLength(name) + Buffer.byteLength(value);
    if (recorded.length >= RESPONSE_HEADER_LIMITS.count || totalBytes + bytes > RESPONSE_HEADER_LIMITS.totalBytes) break;
    recorded.push([name, value]);
    totalBytes += bytes;
  }
  return Object.fromEntries(recorded);
}
