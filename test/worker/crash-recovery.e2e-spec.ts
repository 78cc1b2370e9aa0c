import { FakeReceiver } from '../support/fake-receiver';
import { Seeder } from '../support/seed';
import { createTestEnvironment, TestEnvironment } from '../support/test-environment';
import { WorkerProcess } from '../support/worker-process';

jest.setTimeout(90_000);

/**
 * A worker process SIGKILLed with deliveries in flight. Production timing throughout (the default 15 s
 * delivery timeout, so a 20 s lease; BullMQ's lock and stall settings; the default sweep interval), so
 * the 30 s bound is the real one.
 */
describe('Recovering from a worker killed mid-delivery', () => {
  let environment: TestEnvironment;
  let seeder: Seeder;
  let receiver: FakeReceiver;
  const workers: WorkerProcess[] = [];

  beforeAll(async () => {
    environment = await createTestEnvironment();
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

  it('attempts every in-flight delivery again within 30 s of the kill, and records each attempt once', async () => {
    const endpoint = await seeder.endpoint({ url: receiver.url });
    receiver.verifyWith(endpoint.secret);
    let killedAt = Number.POSITIVE_INFINITY;
    // Answers are held until after the kill, so the dead worker's requests are all in flight when it dies.
    receiver.behaviour = (webhook) => (webhook.receivedAt < killedAt ? { status: 200, delayMs: 10_000 } : { status: 200 });

    const first = await startWorker();
    const inFlight = await seeder.messages(endpoint, 50);
    await receiver.waitFor((received) => received.length === inFlight.length);
    first.kill('SIGKILL');
    killedAt = Date.now();
    await first.exited;

    // Messages accepted while no worker runs wait in the queue for the next one.
    const meanwhile = await seeder.messages(endpoint, 10);
    await startWorker();
    const all = [...inFlight, ...meanwhile];
    await seeder.waitForStatus(
      all.map((d) => d.deliveryId),
      'succeeded',
      30_000 - (Date.now() - killedAt),
    );
    const recoveredInMs = Date.now() - killedAt;

    const counts = receiver.countsByMessageId();
    const duplicates = receiver.received.length - counts.size;
    console.log(
      `crash test: ${all.length} messages in, ${counts.size} delivered, ${receiver.received.length} requests, ` +
        `${duplicates} duplicates seen by the receiver (each one an attempt the killed worker sent but never recorded), ` +
        `all recorded ${recoveredInMs} ms after the kill`,
    );
    expect(recoveredInMs).toBeLessThan(30_000);
    expect(all.every((d) => (counts.get(d.messageId) ?? 0) >= 1)).toBe(true);
    expect(meanwhile.every((d) => counts.get(d.messageId) === 1)).toBe(true);
    expect(receiver.received.every((webhook) => webhook.verified)).toBe(true);
    const { rows } = await seeder.db.query<{ n: string }>(
      `SELECT count(*) AS n FROM attempts WHERE delivery_id = ANY($1) GROUP BY delivery_id`,
      [all.map((d) => d.deliveryId)],
    );
    expect(rows).toHaveLength(all.length);
    expect(rows.every((row) => row.n === '1')).toBe(true);
  });
});
