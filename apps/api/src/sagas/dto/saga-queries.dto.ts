import { SagaStatus } from '@app/core';
import { IsEnum, IsOptional } from 'class-validator';
import { OrderedListQuery } from '../../http/list';

export class SagaListQuery extends OrderedListQuery {
  /** Only the sagas in this status. */
  @IsOptional()
  @IsEnum(SagaStatus, { message: 'status must be one of running, compensating, completed, compensated, compensation_failed' })
  status?: SagaStatus;
}
