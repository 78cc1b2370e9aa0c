import { BooleanQuery } from '../../http/boolean-query';
import { OrderedListQuery } from '../../http/list';

export class EventTypeListQuery extends OrderedListQuery {
  /** Also list archived event types. */
  @BooleanQuery()
  include_archived?: boolean;
}

export class DeleteEventTypeQuery {
  /** Delete the event type for good instead of archiving it. */
  @BooleanQuery()
  expunge?: boolean;
}
