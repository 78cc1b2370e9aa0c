import { BackgroundTaskStatus, BackgroundTaskType } from '@app/core';
import { BackgroundTaskEntity } from '@app/persistence';

/** Svix's `BackgroundTaskOut`. */
export class BackgroundTaskOut {
  id: string;
  status: BackgroundTaskStatus;
  task: BackgroundTaskType;
  /** The task's progress while it runs, and its result once it has ended. */
  data: Record<string, unknown>;
  updatedAt: string;
}

export function toBackgroundTaskOut(task: BackgroundTaskEntity): BackgroundTaskOut {
  return { id: task.id, status: task.status, task: task.task, data: task.data, updatedAt: task.updatedAt.toISOString() };
}
