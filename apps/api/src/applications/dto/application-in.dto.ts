import { IdempotencyMode } from '@app/core';
import { IsEnum, IsOptional, IsString, Length, Matches } from 'class-validator';
import { IsDisplayName, IsStringMap, IsThrottleRate, UID_PATTERN } from '../../http/field-rules';

/** Svix's `ApplicationIn`: the body of create and of update (PUT). */
export class ApplicationIn {
  @IsString()
  @Length(1, 256)
  @IsDisplayName()
  name: string;

  @IsOptional()
  @IsString()
  @Matches(UID_PATTERN, { message: 'uid may only contain letters, digits, _ . - (1 to 256)' })
  uid?: string | null;

  @IsOptional()
  @IsStringMap()
  metadata?: Record<string, string>;

  /** Svix's deprecated name for `throttleRate`; either is accepted. */
  @IsThrottleRate('throttleRate')
  rateLimit?: number | null;

  /** Messages per second; null for no limit. */
  @IsThrottleRate('rateLimit')
  throttleRate?: number | null;

  /**
   * Idem extension. `enforce` (the default): a repeated `eventId` or `Idempotency-Key` is the first
   * message again, or refused. `observe`: it is processed as new, and the idempotency report records
   * what enforcing would have done. Absent on update, the current mode is kept.
   */
  @IsOptional()
  @IsEnum(IdempotencyMode, { message: 'idempotencyMode must be one of enforce, observe' })
  idempotencyMode?: IdempotencyMode;
}
