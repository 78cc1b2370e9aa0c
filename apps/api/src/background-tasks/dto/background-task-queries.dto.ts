import { BackgroundTaskStatus } from '@app/core';
import { IsIn, IsOptional, IsString, Length } from 'class-validator';
import { OrderedListQuery } from '../../http/list';

/** Svix's background task list query. Newest first unless `order=ascending`. */
export class BackgroundTaskListQuery extends OrderedListQuery {
  /** Only tasks in this status. */
  @IsOptional()
  @IsIn(Object.values(BackgroundTaskStatus))
  status?: BackgroundTaskStatus;

  /** Any of Svix's task types; one Idem does not run matches nothing. */
  @IsOptional()
  @IsString()
  @Length(1, 64)
  task?: string;
}
