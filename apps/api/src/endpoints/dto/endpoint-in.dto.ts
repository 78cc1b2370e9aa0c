import { PartialType } from '@nestjs/swagger';
import { TargetPolicy } from '@app/core';
import { ArrayMaxSize, ArrayUnique, IsArray, IsBoolean, IsInt, IsObject, IsOptional, IsString, Length, Matches, Min } from 'class-validator';
import { CHANNEL_PATTERN, EVENT_TYPE_NAME_PATTERN, IsHttpUrl, IsSigningSecret, IsStringMap, IsThrottleRate, UID_PATTERN } from '../../http/field-rules';

/** Svix's `EndpointUpdate`: the body of update (PUT). */
export class EndpointUpdate {
  /**
   * Only the form is checked here. Where it may point (loopback, private networks, cloud metadata)
   * depends on the configuration, so the endpoints service checks that with the `TargetPolicy`.
   */
  @IsHttpUrl()
  @Length(1, TargetPolicy.MAX_URL_LENGTH)
  @IsString()
  url: string;

  @IsOptional()
  @IsString()
  @Length(0, 10_000)
  description?: string;

  @IsOptional()
  @IsString()
  @Matches(UID_PATTERN, { message: 'uid may only contain letters, digits, _ . - (1 to 256)' })
  uid?: string | null;

  @IsOptional()
  @IsArray()
  @ArrayUnique()
  @Matches(EVENT_TYPE_NAME_PATTERN, { each: true, message: 'each filter type must be an event type name' })
  filterTypes?: string[] | null;

  @IsOptional()
  @IsArray()
  @ArrayMaxSize(10)
  @ArrayUnique()
  @Matches(CHANNEL_PATTERN, { each: true, message: 'each channel may only contain letters, digits, _ . : - (1 to 128)' })
  channels?: string[] | null;

  @IsOptional()
  @IsBoolean()
  disabled?: boolean;

  @IsOptional()
  @IsStringMap()
  metadata?: Record<string, string>;

  @IsOptional()
  @IsInt()
  @Min(1)
  version?: number | null;

  /** Svix's deprecated name for `throttleRate`; either is accepted. */
  @IsThrottleRate('throttleRate')
  rateLimit?: number | null;

  /** Messages per second; null for no limit. */
  @IsThrottleRate('rateLimit')
  throttleRate?: number | null;
}

/** Svix's `EndpointIn`. Without `secret`, one is generated. */
export class EndpointIn extends EndpointUpdate {
  @IsOptional()
  @IsString()
  @IsSigningSecret()
  secret?: string | null;

  /**
   * Svix's endpoint headers, sent with every attempt; judged by the endpoints service as on the headers
   * routes. Svix's update and patch do not take them: those routes leave them as they are.
   */
  @IsOptional()
  @IsObject()
  headers?: Record<string, string> | null;
}

/** Svix's `EndpointPatch`: absent fields keep their value; null clears a nullable one. */
export class EndpointPatch extends PartialType(EndpointUpdate) {}
