import { createProducerRedis, keyPrefixFor, queueEpochKey, RedisConnection } from '@app/queue';
import { RedisEndpointThrottle } from '../../apps/worker/src/delivery/endpoint-throttle';
import { FakeReceiver } from '../support/fake-receiver';
import { RedisCluster } from '../support/redis-cluster';
import { SeededEndpoint, Seeder } from '../support/seed';
import { createTestEnvironment, TestEnvironment } from '../support/test-environment';
import { until } from '../support/until';
import { WorkerProcess } from '../support/worker-process';

jest.setTimeout(120_000);

/**
 * Idem on a Redis Cluster of three primaries (`REDIS_URL=redis+cluster://...`): the core delivery path, a
 * worker killed mid-delivery, and the queue's keys lost while work is pending, as the standalone suites
 * (worker/delivery, worker/crash-recovery, worker/redis-loss) run them, with the same seeder, receiver
 * and worker processes.
 */
describe('Delivering through a Redis Cluster', () => {
  let cluster: RedisCluster;
  let environment: TestEnvironment;
  let seeder: Seeder;
  let redis: RedisConnection;
  const receivers: FakeReceiver[] = [];
  const workers: WorkerProcess[] = [];

  async function startWorker(env: Record<string, string> = {}): Promise<WorkerProcess> {
    const worker = await WorkerProcess.start({ ...environment.env, ...env });
    workers.push(worker);
    return worker;
  }

  async function stopWorkers(): Promise<void> {
    await Promise.all(workers.splice(0).map((worker) => worker.stop()));
  }

  async function receiving(): Promise<{ receiver: FakeReceiver; endpoint: SeededEndpoint }> {
    const receiver = await FakeReceiver.start();
    receivers.push(receiver);
    const endpoint = await seeder.endpoint({ url: receiver.url });
    receiver.verifyWith(endpoint.secret);
    return { receiver, endpoint };
  }

  beforeAll(async () => {
    cluster = await RedisCluster.start();
    environment = await createTestEnvironment({ REDIS_URL: cluster.url, IDEM_SWEEP_INTERVAL: '500ms', IDEM_REQUEUE_AFTER: '60s', IDEM_RETRY_SCHEDULE: '1h' });
    seeder = await Seeder.open(environment);
    redis = createProducerRedis(environment.redisUrl, { enableOfflineQueue: true });
  });

  afterAll(async () => {
    await stopWorkers();
    await Promise.all(receivers.map((receiver) => receiver.close()));
    redis?.disconnect();
    await seeder?.close();
    await environment?.dispose();
    await cluster?.stop();
  });

  it("keeps every key of the installation in its prefix's one slot", () => {
    expect(keyPrefixFor(redis, environment.queuePrefix)).toBe(`{${environment.queuePrefix}}`);
  });

  it('delivers, signed and once each, messages queued through the cluster', async () => {
    const { receiver, endpoint } = await receiving();
    await startWorker();
    const deliveries = await seeder.messages(endpoint, 20);
    await seeder.waitForStatus(deliveries.map((d) => d.deliveryId), 'succeeded', 30_000);
    const counts = receiver.countsByMessageId();
    expect(deliveries.every((d) => counts.get(d.messageId) === 1)).toBe(true);
    expect(receiver.received.every((webhook) => webhook.verified)).toBe(true);
  });

  it("runs the endpoint throttle's script on the cluster, one endpoint's key in one slot", async () => {
    const throttle = new RedisEndpointThrottle(redis, environment.queuePrefix);
    expect(await throttle.admit('ep_cluster', 1, 'first')).toEqual({ kind: 'send' });
    expect(await throttle.admit('ep_cluster', 1, 'second')).toEqual({ kind: 'wait', waitMs: expect.any(Number) });
  });

  it('attempts again every delivery in flight when its worker is killed, once a new one starts', async () => {
    const { receiver, endpoint } = await receiving();
    let killedAt = Number.POSITIVE_INFINITY;
    receiver.behaviour = (webhook) => (webhook.receivedAt < killedAt ? { status: 200, delayMs: 10_000 } : { status: 200 });
    const [running] = workers;
    const inFlight = await seeder.messages(endpoint, 10);
    await receiver.waitFor((received) => received.length === inFlight.length);
    running.kill('SIGKILL');
    killedAt = Date.now();
    await running.exited;
    await stopWorkers();
    await startWorker();
    await seeder.waitForStatus(inFlight.map((d) => d.deliveryId), 'succeeded', 40_000);
    const counts = receiver.countsByMessageId();
    expect(inFlight.every((d) => (counts.get(d.messageId) ?? 0) >= 1)).toBe(true);
  });

  it("enqueues again from Postgres what was waiting in the queue when the cluster lost the installation's keys", async () => {
    const { receiver, endpoint } = await receiving();
    receiver.behaviour = () => ({ status: 200, delayMs: 500 });
    // Two at a time, so that most of the work waits in the queue when its keys go.
    await stopWorkers();
    await startWorker({ IDEM_WORKER_CONCURRENCY: '2' });
    // The worker learns the epoch on its first sweep; losing the marker is how it notices the loss.
    await until(async () => (await redis.get(queueEpochKey(keyPrefixFor(redis, environment.queuePrefix)))) !== null, 'the epoch marker', 10_000);
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    const pending = await seeder.messages(endpoint, 16);
    await receiver.waitFor((received) => received.length >= 2);
    expect(await environment.flushQueueKeys()).toBeGreaterThan(0);
    // IDEM_REQUEUE_AFTER is a minute: only the rebuild of a lost queue brings these back in time.
    await seeder.waitForStatus(pending.map((d) => d.deliveryId), 'succeeded', 30_000);
    const counts = receiver.countsByMessageId();
    expect(pending.every((d) => (counts.get(d.messageId) ?? 0) >= 1)).toBe(true);
  });
});
