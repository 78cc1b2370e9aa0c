import { IdempotencyFindingKind, IdempotencyMode, ProducerKeyKind } from '@app/core';
import { NewIdempotencyFinding } from '@app/persistence';
import { Type } from 'class-transformer';
import { IsDate, IsInt, IsOptional, Max, Min } from 'class-validator';

export class IdempotencyReportQuery {
  /** The start of the window counted. Default: 24 hours ago. Findings are kept for `IDEM_IDEMPOTENCY_RETENTION`. */
  @IsOptional()
  @Type(() => Date)
  @IsDate()
  since?: Date;

  /** How many of the newest findings to show (default 20). */
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(250)
  samples?: number;
}

/** Findings in the window, by kind. */
export class IdempotencyFindingCounts {
  /** A repeated key with the same content, let through in observe mode: enforcing would have answered with the first message. */
  replay: number;
  /** A repeated key with other content, let through in observe mode: enforcing would have refused it (409 for an eventId, 422 for an Idempotency-Key). */
  conflict: number;
  /** The same event type and payload under another key within `IDEM_SEND_TIME_KEY_WINDOW`: a probable send-time key. */
  sendTimeKey: number;
}

export class IdempotencyFindingOut {
  kind: IdempotencyFindingKind;
  /** Which key repeated (or, for a send-time key, differed). */
  keyKind: ProducerKeyKind;
  key: string;
  /** For a send-time key: the key the same content came with before. */
  earlierKey: string | null;
  eventType: string | null;
  /** The message the later request was accepted as. */
  messageId: string | null;
  /** The message the key or the content was first accepted as, when known. */
  earlierMessageId: string | null;
  createdAt: string;
}

/** Idem extension: what enforcing idempotency would have done, and the keys that look minted at send time. */
export class IdempotencyReportOut {
  idempotencyMode: IdempotencyMode;
  since: string;
  counts: IdempotencyFindingCounts;
  /** The newest findings first. */
  samples: IdempotencyFindingOut[];
}

export function toIdempotencyFindingOut({ appId: _appId, createdAt, ...finding }: NewIdempotencyFinding & { createdAt: Date }): IdempotencyFindingOut {
  return { ...finding, createdAt: new Date(createdAt).toISOString() };
}
