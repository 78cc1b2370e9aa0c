/**
 * How long a message's payload is kept, as Svix's `MessageIn` asks for it: `payloadRetentionPeriod` in
 * days (default 90) or `payloadRetentionHours`, never both. Past it the payload is expunged: the message,
 * its deliveries and their attempts stay (until the message retention window), their content goes.
 */
export const PAYLOAD_RETENTION_DAYS = { min: 1, max: 90, default: 90 } as const;

/** The same longest retention, 90 days, counted in hours. */
export const PAYLOAD_RETENTION_HOURS = { min: 1, max: PAYLOAD_RETENTION_DAYS.max * 24 } as const;

export const DEFAULT_PAYLOAD_RETENTION_HOURS = PAYLOAD_RETENTION_DAYS.default * 24;

/** What Svix shows in place of a message's payload once it has expired. */
export const EXPIRED_PAYLOAD: Readonly<Record<string, unknown>> = Object.freeze({ expired: true });

/** What Svix shows in place of an attempt's response body once it has been expunged. */
export const EXPUNGED_RESPONSE = 'EXPUNGED';

/** The retention a message asked for, in hours; the default when it asked for none. */
export function payloadRetentionHoursOf(input: { payloadRetentionPeriod?: number | null; payloadRetentionHours?: number | null }): number {
  if (input.payloadRetentionHours != null) return input.payloadRetentionHours;
  if (input.payloadRetentionPeriod != null) return input.payloadRetentionPeriod * 24;
  return DEFAULT_PAYLOAD_RETENTION_HOURS;
}
