import { EntityOrdering, EventSemantics, LaneExhaustion, SchemaEnforcement } from '@app/core';
import { PartialType } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsBoolean, IsEnum, IsObject, IsOptional, IsString, Length, Matches, ValidateNested } from 'class-validator';
import { EVENT_TYPE_NAME_PATTERN } from '../../http/field-rules';

/** Idem's retry-safety contract of an event type: what its messages mean to a receiver, and where their entity is. */
export class RetrySafetyIn {
  /** `command` (default: a thing to do once), `state` (the whole state of an entity at a version: only the newest is sent), or `delta` (a change to a version). */
  @IsEnum(EventSemantics, { message: 'semantics must be one of command, state, delta' })
  semantics: EventSemantics;

  /** A name shared by the event types that describe one kind of entity; required for state and delta. */
  @IsOptional()
  @IsString()
  @Length(1, 256)
  entity?: string | null;

  /** JSON Pointer to the entity's id in the payload (a string or an integer), e.g. `/id`; required for state and delta. */
  @IsOptional()
  @IsString()
  @Length(1, 512)
  entityIdPath?: string | null;

  /** JSON Pointer to the entity's version (a non-negative integer), e.g. `/version`; required for state, optional for delta. */
  @IsOptional()
  @IsString()
  @Length(1, 512)
  versionPath?: string | null;

  /**
   * `none` (default), or `entity`: per-entity ordered lanes, where the messages of one entity reach each
   * endpoint in the order accepted, one at a time.
   */
  @IsOptional()
  @IsEnum(EntityOrdering, { message: 'ordering must be one of none, entity' })
  ordering?: EntityOrdering;

  /** With `ordering: "entity"`: `skip` (default: an exhausted head fails and its lane moves on) or `block` (the lane waits until the head is resent). */
  @IsOptional()
  @IsEnum(LaneExhaustion, { message: 'onExhausted must be one of skip, block' })
  onExhausted?: LaneExhaustion;
}

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

  /** Idem extension: the retry-safety contract; absent or null for commands. */
  @IsOptional()
  @ValidateNested()
  @Type(() => RetrySafetyIn)
  retrySafety?: RetrySafetyIn | null;
}

/** Svix's `EventTypeIn`. */
export class EventTypeIn extends EventTypeUpdate {
  @IsString()
  @Matches(EVENT_TYPE_NAME_PATTERN, { message: 'name may only contain letters, digits, _ . - (1 to 256)' })
  name: string;
}

/** Svix's `EventTypePatch`: absent fields keep their value. */
export class EventTypePatch extends PartialType(EventTypeUpdate) {}
