// How values read on screen. Every function accepts what a half-built or older API might send
// (null, a missing field, a string where a number was expected) and answers with text.

/** Svix's `MessageStatus`, for a message's delivery to an endpoint and for an attempt. */
export const MESSAGE_STATUS = { 0: 'success', 1: 'pending', 2: 'fail', 3: 'sending', 4: 'canceled' };

/** Svix's `MessageAttemptTriggerType`. */
export const TRIGGER_TYPE = { 0: 'scheduled', 1: 'manual' };

export const NO_VALUE = '—';

/**
 * What the API shows, as Svix does, once a message's payload retention has run out: the payload
 * becomes exactly `{"expired": true}` and its attempts' response bodies `EXPUNGED`. Nothing else marks
 * it, so a producer that sent exactly that payload would be shown as expired too.
 */
export function isExpiredPayload(payload) {
  return payload !== null && typeof payload === 'object' && !Array.isArray(payload) && Object.keys(payload).length === 1 && payload.expired === true;
}

export const EXPUNGED_RESPONSE = 'EXPUNGED';

function pad(number) {
  return String(number).padStart(2, '0');
}

/** `2024-05-01 14:03:22` in the browser's time zone; the ISO form is kept for a tooltip. */
export function formatTime(iso) {
  if (!iso) return NO_VALUE;
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return String(iso);
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())} ${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}`;
}

/** The viewer's time zone, as every time in the console is shown in it: `Europe/Paris (UTC+01:00)`. */
export function timeZoneName(at = new Date()) {
  if (Number.isNaN(at.getTime())) at = new Date();
  const zone = Intl.DateTimeFormat().resolvedOptions().timeZone || 'local time';
  const offset = -at.getTimezoneOffset();
  const sign = offset < 0 ? '-' : '+';
  const hours = pad(Math.floor(Math.abs(offset) / 60));
  const minutes = pad(Math.abs(offset) % 60);
  return `${zone} (UTC${sign}${hours}:${minutes})`;
}

/** `Dec 1` for a date on a chart's axis, in the viewer's time zone. */
export function formatDay(iso) {
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? String(iso) : date.toLocaleDateString('en-US', { month: 'short', day: 'numeric' });
}

/** `14:00` for a chart's hourly bucket. */
export function formatHour(iso) {
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? String(iso) : `${pad(date.getHours())}:${pad(date.getMinutes())}`;
}

export function formatDuration(ms) {
  if (typeof ms !== 'number' || !Number.isFinite(ms)) return NO_VALUE;
  if (ms < 1000) return `${Math.round(ms)} ms`;
  return `${(ms / 1000).toFixed(ms < 10000 ? 2 : 1)} s`;
}

/** A success rate as a percentage. Idem sends a fraction (0 to 1); a value above 1 is taken as a percentage already. */
export function toPercent(rate) {
  if (typeof rate !== 'number' || !Number.isFinite(rate)) return null;
  return rate > 1 ? rate : rate * 100;
}

export function formatPercent(rate) {
  const percent = toPercent(rate);
  if (percent === null) return NO_VALUE;
  return `${percent >= 99.95 || percent === 0 ? percent.toFixed(0) : percent.toFixed(1)} %`;
}

/** An endpoint's or application's `throttleRate`: messages per second, null for no limit. */
export function formatThrottleRate(rate) {
  if (rate === null || rate === undefined) return 'unlimited';
  return typeof rate === 'number' && Number.isFinite(rate) ? `${formatCount(rate)} messages/s` : String(rate);
}

export function formatCount(value) {
  return typeof value === 'number' && Number.isFinite(value) ? value.toLocaleString('en-US') : NO_VALUE;
}

/** A payload as indented JSON; anything that is not JSON-serialisable is shown as it came. */
export function prettyJson(value) {
  if (typeof value === 'string') {
    try {
      return JSON.stringify(JSON.parse(value), null, 2);
    } catch {
      return value;
    }
  }
  try {
    return JSON.stringify(value, null, 2) ?? String(value);
  } catch {
    return String(value);
  }
}

/** The value of an `<input type="datetime-local">` for an ISO instant, in the browser's time zone. */
export function isoToLocalInput(iso) {
  if (!iso) return '';
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return '';
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}T${pad(date.getHours())}:${pad(date.getMinutes())}`;
}

/** The ISO instant of an `<input type="datetime-local">`'s value, or '' when it is empty or invalid. */
export function localInputToIso(value) {
  if (!value) return '';
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? '' : date.toISOString();
}

/**
 * Request headers as shown to a person: anything that could let them (or someone looking over
 * their shoulder) sign or authenticate is masked, even if the API already redacted it.
 */
const SECRET_HEADER = /authorization|cookie|signature|secret|token|api-key|apikey|password/i;

export function displayHeaders(headers) {
  if (!headers || typeof headers !== 'object') return [];
  const entries = Array.isArray(headers) ? headers.filter((pair) => Array.isArray(pair)) : Object.entries(headers);
  return entries.map(([name, value]) => [String(name), SECRET_HEADER.test(String(name)) ? '[redacted]' : String(value)]);
}
