import { applyDecorators } from '@nestjs/common';
import { Transform } from 'class-transformer';
import { IsArray, IsOptional, Matches } from 'class-validator';
import { EVENT_TYPE_NAME_PATTERN } from './field-rules';

/** An optional `event_types` filter: Svix clients send a comma-separated list; repeated parameters work too. */
export function EventTypesQuery(): PropertyDecorator {
  return applyDecorators(
    IsOptional(),
    Transform(({ value }: { value: unknown }) => (typeof value === 'string' ? value.split(',').filter((name) => name.length > 0) : value)),
    IsArray(),
    Matches(EVENT_TYPE_NAME_PATTERN, { each: true, message: 'each event type must be an event type name' }),
  );
}
