import { Transform } from 'class-transformer';
import { IsBoolean, IsOptional } from 'class-validator';
import { OrderedListQuery } from '../../http/list';

const toBoolean = ({ value }: { value: unknown }) => (value === 'true' ? true : value === 'false' ? false : value);

export class EventTypeListQuery extends OrderedListQuery {
  @IsOptional()
  @Transform(toBoolean)
  @IsBoolean()
  include_archived?: boolean;
}

export class DeleteEventTypeQuery {
  /** Delete the event type for good instead of archiving it. */
  @IsOptional()
  @Transform(toBoolean)
  @IsBoolean()
  expunge?: boolean;
}
