/**
 * Work too long for one request (recovering an endpoint's failed messages), run in the background
 * and followed through `GET /api/v1/background-task/{id}`. Svix's `BackgroundTaskStatus`:
 *
 *   running ──▶ finished
 *      └──────▶ failed
 *
 * A task only ever leaves `running`, once; its `data` holds its progress and, at the end, its result.
 */
export enum BackgroundTaskStatus {
  Running = 'running',
  Finished = 'finished',
  Failed = 'failed',
}

/** The kinds of task Idem runs, named as Svix's `BackgroundTaskType` names them. */
export enum BackgroundTaskType {
  /** Resend every message that failed to an endpoint since a given time. */
  EndpointRecover = 'endpoint.recover',
}

/**
 * How long a task is kept after it was created, finished or not; Svix lists the tasks of the past
 * 90 days. A task still `running` by then has lost its runner long ago.
 */
export const BACKGROUND_TASK_RETENTION_MS = 90 * 24 * 60 * 60 * 1000;
