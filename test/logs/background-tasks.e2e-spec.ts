import { BackgroundTaskStatus, BackgroundTaskType, newId } from '@app/core';
import { BackgroundTaskRepository } from '@app/persistence';
import { Ordering, BackgroundTaskStatus as SvixTaskStatus, BackgroundTaskType as SvixTaskType } from 'svix';
import { LogSuite, startLogSuite, svixError } from './support/log-suite';

/** Background tasks as Svix shows them, written through the repository that the task runners use. */
describe('Background tasks', () => {
  let suite: LogSuite;
  let tasks: BackgroundTaskRepository;
  let appId: string;
  let otherAppId: string;

  beforeAll(async () => {
    suite = await startLogSuite();
    tasks = suite.app.get(BackgroundTaskRepository);
    appId = (await suite.svix.application.create({ name: 'tasks' })).id;
    otherAppId = (await suite.svix.application.create({ name: 'other tasks' })).id;
  });

  afterAll(async () => {
    await suite?.close();
  });

  const start = (onAppId: string | null, data: Record<string, unknown> = {}) =>
    tasks.create({ id: newId('backgroundTask'), appId: onAppId, task: BackgroundTaskType.EndpointRecover, data });

  it("gets a task in Svix's BackgroundTaskOut shape, its progress merged into data until it ends", async () => {
    const task = await start(appId, { endpointId: 'ep_x', since: '2026-01-01T00:00:00Z' });
    expect(task.id).toMatch(/^task_[0-9A-Z]{26}$/);

    const running = await suite.svix.backgroundTask.get(task.id);
    expect(running).toEqual({
      id: task.id,
      status: SvixTaskStatus.Running,
      task: 'endpoint.recover',
      data: { endpointId: 'ep_x', since: '2026-01-01T00:00:00Z' },
      updatedAt: task.updatedAt,
    });

    expect(await tasks.updateProgress(task.id, { messagesSent: 2 })).toBe(true);
    expect((await suite.svix.backgroundTask.get(task.id)).data).toEqual({ endpointId: 'ep_x', since: '2026-01-01T00:00:00Z', messagesSent: 2 });

    expect(await tasks.end(task.id, BackgroundTaskStatus.Finished, { messagesSent: 3 })).toBe(true);
    const finished = await suite.svix.backgroundTask.get(task.id);
    expect(finished).toMatchObject({ status: 'finished', data: { endpointId: 'ep_x', since: '2026-01-01T00:00:00Z', messagesSent: 3 } });
    expect(finished.updatedAt.getTime()).toBeGreaterThanOrEqual(running.updatedAt.getTime());

    // An ended task stays as it ended, whatever its runner reports afterwards.
    expect(await tasks.updateProgress(task.id, { messagesSent: 4 })).toBe(false);
    expect(await tasks.end(task.id, BackgroundTaskStatus.Failed, { error: 'late' })).toBe(false);
    expect(await suite.svix.backgroundTask.get(task.id)).toEqual(finished);
  });

  it('lists newest first, filtered by status and task, page by page', async () => {
    const listedApp = (await suite.svix.application.create({ name: 'listed' })).id;
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push((await start(listedApp, { i })).id);
    await tasks.end(ids[1], BackgroundTaskStatus.Failed, { error: 'endpoint gone' });
    await tasks.end(ids[3], BackgroundTaskStatus.Finished, {});
    const ours = (list: { data: { id: string }[] }) => list.data.map((task) => task.id).filter((id) => ids.includes(id));

    expect(ours(await suite.svix.backgroundTask.list({ limit: 250 }))).toEqual([...ids].reverse());
    expect(ours(await suite.svix.backgroundTask.list({ limit: 250, order: Ordering.Ascending }))).toEqual(ids);
    expect(ours(await suite.svix.backgroundTask.list({ limit: 250, status: SvixTaskStatus.Failed }))).toEqual([ids[1]]);
    expect(ours(await suite.svix.backgroundTask.list({ limit: 250, status: SvixTaskStatus.Running }))).toEqual([ids[4], ids[2], ids[0]]);
    expect(ours(await suite.svix.backgroundTask.list({ limit: 250, task: SvixTaskType.EndpointRecover }))).toHaveLength(5);
    expect((await suite.svix.backgroundTask.list({ task: SvixTaskType.ApplicationStats })).data).toEqual([]);

    const first = await suite.svix.backgroundTask.list({ limit: 2 });
    const second = await suite.svix.backgroundTask.list({ limit: 2, iterator: first.iterator });
    expect(first.data.map((task) => task.id)).toEqual([ids[4], ids[3]]);
    expect(first.done).toBe(false);
    expect(second.data.map((task) => task.id)).toEqual([ids[2], ids[1]]);
    expect((await suite.get('/api/v1/background-task?status=paused')).status).toBe(422);
  });

  it('answers 404 for an unknown or malformed task id', async () => {
    expect(await svixError(suite.svix.backgroundTask.get(newId('backgroundTask')))).toEqual({
      code: 404,
      body: { code: 'not_found', detail: expect.any(String) },
    });
    expect((await svixError(suite.svix.backgroundTask.get('qtask_33qen93MNuelBAq1T9G7eHLJRsF'))).code).toBe(404);
  });

  it("shows a token scoped to one application that application's tasks only", async () => {
    const own = await start(appId);
    const foreign = await start(otherAppId);
    const organisationWide = await start(null);
    const created = await suite.post('/api/v1/auth/token', { name: 'tasks of one app', appId });
    expect(created.status).toBe(201);
    const token: string = created.body.token;

    expect((await suite.get(`/api/v1/background-task/${own.id}`, token)).status).toBe(200);
    for (const hidden of [foreign, organisationWide]) {
      const response = await suite.get(`/api/v1/background-task/${hidden.id}`, token);
      expect({ id: hidden.id, status: response.status, code: response.body.code }).toEqual({ id: hidden.id, status: 404, code: 'not_found' });
      expect((await suite.get(`/api/v1/background-task/${hidden.id}`)).status).toBe(200);
    }
    const listed = await suite.get('/api/v1/background-task?limit=250', token);
    expect(listed.status).toBe(200);
    expect(listed.body.data.length).toBeGreaterThan(0);
    expect(listed.body.data.every((task: { id: string }) => task.id !== foreign.id && task.id !== organisationWide.id)).toBe(true);
    expect(listed.body.data.map((task: { id: string }) => task.id)).toContain(own.id);
  });

  it('goes with its application', async () => {
    const doomedApp = (await suite.svix.application.create({ name: 'doomed' })).id;
    const task = await start(doomedApp);
    await suite.svix.application.delete(doomedApp);
    expect((await svixError(suite.svix.backgroundTask.get(task.id))).code).toBe(404);
  });
});
