import { FakeReceiver } from '../support/fake-receiver';
import { Seeder } from '../support/seed';
import { createTestEnvironment, TestEnvironment } from '../support/test-environment';
import { WorkerProcess } from '../support/worker-process';

jest.setTimeout(60_000);

/** A deploy's SIGTERM: the worker takes nothing new, finishes what it is sending, and exits 0. */
describe('Stopping a worker with SIGTERM', () => {
  let environment: TestEnvironment;
  let seeder: Seeder;
  let receiver: FakeReceiver;
  const workers: WorkerProcess[] = [];

  beforeAll(async () => {
    // The workers run as child processes whose output is kept, not printed: log what a stop should not log.
    environment = await createTestEnvironment({ IDEM_SWEEP_INTERVAL: '200ms', IDEM_REQUEUE_AFTER: '1s', IDEM_LOG_LEVEL: 'warn' });
    seeder = await Seeder.open(environment);
    receiver = await FakeReceiver.start();
  });

  afterAll(async () => {
    await Promise.all(workers.map((worker) => worker.stop()));
    await receiver?.close();
    await seeder?.close();
    await environment?.dispose();
  });

  async function startWorker(): Promise<WorkerProcess> {
    const worker = await WorkerProcess.start(environment.env);
    workers.push(worker);
    return worker;
  }

  it('finishes in-flight deliveries, takes no new jobs and exits 0; the next worker delivers the rest', async () => {
    const endpoint = await seeder.endpoint({ url: receiver.url });
    receiver.verifyWith(endpoint.secret);
    receiver.behaviour = () => ({ status: 200, body: 'done', delayMs: 1_500 });
    const worker = await startWorker();
    const inFlight = await seeder.messages(endpoint, 10);
    await receiver.waitFor((received) => received.length === inFlight.length);

    worker.kill('SIGTERM');
    await new Promise((resolve) => setTimeout(resolve, 300));
    const afterSignal = await seeder.messages(endpoint, 5);
    const { code, signal } = await worker.exited;

    expect({ code, signal }).toEqual({ code: 0, signal: null });
    await seeder.waitForStatus(inFlight.map((d) => d.deliveryId), 'succeeded', 1_000);
    for (const delivery of inFlight) expect((await seeder.attempts(delivery.deliveryId)).map((a) => a.response_body)).toEqual(['done']);
    expect(receiver.received).toHaveLength(inFlight.length);
    for (const delivery of afterSignal) expect(await seeder.delivery(delivery.deliveryId)).toMatchObject({ status: 'pending', scheduled_attempts: 0 });

    receiver.behaviour = () => ({ status: 200 });
    await startWorker();
    await seeder.waitForStatus(afterSignal.map((d) => d.deliveryId), 'succeeded');
    expect([...receiver.countsByMessageId().values()].every((count) => count === 1)).toBe(true);
  });

  it('closes once when SIGINT and SIGTERM both come, as on Ctrl-C under npm start, and logs no error', async () => {
    const worker = await startWorker();

    worker.kill('SIGINT');
    worker.kill('SIGTERM');
    const { code, signal } = await worker.exited;

    expect({ code, signal }).toEqual({ code: 0, signal: null });
    expect(worker.log).not.toMatch(/"level":50|Called end on pool/);
  });
});
