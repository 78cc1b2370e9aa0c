import { SchemaEnforcement } from '@app/core';
import { PartialType } from '@nestjs/swagger';
import { IsBoolean, IsEnum, IsObject, IsOptional, IsString, Length, Matches } from 'class-validator';
import { EVENT_TYPE_NAME_PATTERN } from '../../http/field-rules';

/** Svix's `EventTypeUpdate`: the body of update (PUT), and with `name` of create. */
export class EventTypeUpdate {
  @IsString()
  @Length(0, 10_000)
  description: string;

  @IsOptional()
  @IsBoolean()
  archived?: boolean;

  @IsOptional()
  @IsBoolean()
  deprecated?: boolean;

  @IsOptional()
  @IsString()
  @Length(1, 256)
  featureFlag?: string | null;

  @IsOptional()
  @IsString()
  @Length(1, 256)
  groupName?: string | null;

  /** JSON Schemas of the payload by version (`{"1": {...}}`), as in Svix; messages are checked against the newest when `schemaEnforcement` says so. */
  @IsOptional()
  @IsObject()
  schemas?: Record<string, unknown> | null;

  /**
   * Idem extension: `off` (default, as Svix: schemas are documentation), `observe` (a payload that does
   * not validate is accepted and the message records why), or `enforce` (it is refused with 422).
   */
  @IsOptional()
  @IsEnum(SchemaEnforcement, { message: 'schemaEnforcement must be one of off, observe, enforce' })
  schemaEnforcement?: SchemaEnforcement;
}

/** Svix's `EventTypeIn`. */
export class EventTypeIn extends EventTypeUpdate {
  @IsString()
  @Matches(EVENT_TYPE_NAME_PATTERN, { message: 'name may only contain letters, digits, _ . - (1 to 256)' })
  name: string;
}

/** Svix's `EventTypePatch`: absent fields keep their value. */
export class EventTypePatch extends PartialType(EventTypeUpdate) {}
