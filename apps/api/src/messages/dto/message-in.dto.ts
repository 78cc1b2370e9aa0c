import { PAYLOAD_RETENTION_DAYS, PAYLOAD_RETENTION_HOURS } from '@app/core';
import { ArrayMaxSize, IsArray, IsDefined, IsEmpty, IsInt, IsObject, IsOptional, IsString, Length, Matches, Max, Min } from 'class-validator';
import { CHANNEL_PATTERN, EVENT_TYPE_NAME_PATTERN, IsExclusiveWith } from '../../http/field-rules';

/** Svix's `MessageIn`, less what Idem does not do (scheduled delivery). */
export class MessageIn {
  @IsString()
  @Matches(EVENT_TYPE_NAME_PATTERN, { message: 'eventType may only contain letters, digits, _ . - (1 to 256)' })
  eventType: string;

  /** Sent as the webhook's body, serialised once here: every attempt sends the same bytes. */
  @IsDefined()
  @IsObject({ message: 'payload must be a JSON object' })
  payload: Record<string, unknown>;

  /** The producer's own id for the event: a repeat within the retention window returns the first message. */
  @IsOptional()
  @IsString()
  @Length(1, 256)
  eventId?: string | null;

  @IsOptional()
  @IsArray()
  @ArrayMaxSize(10)
  @Matches(CHANNEL_PATTERN, { each: true, message: 'each channel may only contain letters, digits, _ . : - (1 to 128)' })
  channels?: string[] | null;

  /** Days the payload is kept (default 90); then it is expunged, see the README's Retention. */
  @IsOptional()
  @IsInt({ message: 'payloadRetentionPeriod must be a whole number of days' })
  @Min(PAYLOAD_RETENTION_DAYS.min)
  @Max(PAYLOAD_RETENTION_DAYS.max)
  payloadRetentionPeriod?: number | null;

  /** Hours the payload is kept, instead of `payloadRetentionPeriod`. */
  @IsOptional()
  @IsInt({ message: 'payloadRetentionHours must be a whole number of hours' })
  @Min(PAYLOAD_RETENTION_HOURS.min)
  @Max(PAYLOAD_RETENTION_HOURS.max)
  @IsExclusiveWith('payloadRetentionPeriod')
  payloadRetentionHours?: number | null;

  /** Accepted for compatibility and not stored. */
  @IsOptional()
  @IsArray()
  @IsString({ each: true })
  tags?: string[] | null;

  @IsEmpty({ message: 'deliverAt is not supported: Idem sends every message at once' })
  deliverAt?: unknown;
}
