import { BackgroundTaskStatus, BackgroundTaskType } from '@app/core';
import { TransactionHost } from '@nestjs-cls/transactional';
import { TransactionalAdapterTypeOrm } from '@nestjs-cls/transactional-adapter-typeorm';
import { Injectable } from '@nestjs/common';
import { BackgroundTaskEntity } from '../entities';
import { QueryDeepPartialEntity } from 'typeorm/query-builder/QueryPartialEntity';
import { fetchPage, Page, PageQuery } from './keyset-page';

export interface NewBackgroundTask {
  id: string;
  appId: string | null;
  task: BackgroundTaskType;
  data: Record<string, unknown>;
}

export interface BackgroundTaskListFilter {
  status?: BackgroundTaskStatus;
  task?: string;
}

/** Background tasks and their progress. A task is written by whoever runs it and read by the API. */
@Injectable()
export class BackgroundTaskRepository {
  constructor(private readonly txHost: TransactionHost<TransactionalAdapterTypeOrm>) {}

  private get repository() {
    return this.txHost.tx.getRepository(BackgroundTaskEntity);
  }

  /** Records a task as running. */
  async create(task: NewBackgroundTask): Promise<BackgroundTaskEntity> {
    // TypeORM's typing cannot tell a jsonb object from a relation; the value is written as JSON.
    await this.repository.insert({ ...task, status: BackgroundTaskStatus.Running } as QueryDeepPartialEntity<BackgroundTaskEntity>);
    return this.repository.findOneByOrFail({ id: task.id });
  }

  /** Merges `progress` into the task's data while it runs; false once it has finished or failed. */
  updateProgress(id: string, progress: Record<string, unknown>): Promise<boolean> {
    return this.update(id, progress, BackgroundTaskStatus.Running);
  }

  /** Ends a running task, merging its result into its data; false when it had already ended. */
  end(id: string, status: BackgroundTaskStatus.Finished | BackgroundTaskStatus.Failed, result: Record<string, unknown>): Promise<boolean> {
    return this.update(id, result, status);
  }

  /** The task, if it exists and (for a caller scoped to one application) belongs to `onlyAppId`. */
  findById(id: string, onlyAppId: string | null): Promise<BackgroundTaskEntity | null> {
    return this.repository.findOneBy(onlyAppId === null ? { id } : { id, appId: onlyAppId });
  }

  /** Running tasks of one type, oldest first, for whoever follows their progress. */
  findRunning(task: BackgroundTaskType, limit: number): Promise<BackgroundTaskEntity[]> {
    return this.repository.find({ where: { task, status: BackgroundTaskStatus.Running }, order: { id: 'ASC' }, take: limit });
  }

  list(filter: BackgroundTaskListFilter, onlyAppId: string | null, page: PageQuery): Promise<Page<BackgroundTaskEntity>> {
    const query = this.repository.createQueryBuilder('task');
    if (onlyAppId !== null) query.andWhere('task.appId = :onlyAppId', { onlyAppId });
    if (filter.status !== undefined) query.andWhere('task.status = :status', { status: filter.status });
    if (filter.task !== undefined) query.andWhere('task.task = :task', { task: filter.task });
    return fetchPage(query, 'task.id', page);
  }

  // Only a running task changes, so an ended task's status and result are final even if its runner
  // reports again (a retried job, a second runner after a lost lock).
  private async update(id: string, data: Record<string, unknown>, status: BackgroundTaskStatus): Promise<boolean> {
    const result = await this.repository
      .createQueryBuilder()
      .update()
      .set({ status, data: () => 'data || CAST(:data AS jsonb)', updatedAt: () => 'now()' })
      .where('id = :id AND status = :running', { id, running: BackgroundTaskStatus.Running })
      .setParameter('data', JSON.stringify(data))
      .execute();
    return (result.affected ?? 0) > 0;
  }
}
