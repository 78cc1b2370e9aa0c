import { IdemError, isId } from '@app/core';
import { BackgroundTaskRepository } from '@app/persistence';
import { Injectable } from '@nestjs/common';
import { Principal } from '../auth/principal';
import { idCursor, ListResponse, toListResponse, toPageQuery } from '../http/list';
import { BackgroundTaskOut, toBackgroundTaskOut } from './dto/background-task-out.dto';
import { BackgroundTaskListQuery } from './dto/background-task-queries.dto';

const TASK_CURSOR = idCursor('backgroundTask');

/**
 * Following background tasks. A caller scoped to one application sees only that application's tasks;
 * any other task is the same 404 as one that does not exist.
 */
@Injectable()
export class BackgroundTasksService {
  constructor(private readonly tasks: BackgroundTaskRepository) {}

  async get(principal: Principal, taskId: string): Promise<BackgroundTaskOut> {
    const task = isId('backgroundTask', taskId) ? await this.tasks.findById(taskId, principal.appId) : null;
    if (!task) throw IdemError.notFound('Background task');
    return toBackgroundTaskOut(task);
  }

  async list(principal: Principal, query: BackgroundTaskListQuery): Promise<ListResponse<BackgroundTaskOut>> {
    const page = toPageQuery(query, TASK_CURSOR, 'descending');
    const result = await this.tasks.list({ status: query.status, task: query.task }, principal.appId, page);
    return toListResponse(result, page, TASK_CURSOR, (task) => task.id, toBackgroundTaskOut);
  }
}
