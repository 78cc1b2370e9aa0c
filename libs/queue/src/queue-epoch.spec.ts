import { QueueEpoch, QueueEpochStore, queueEpochKey } from './queue-epoch';

/** Redis as the epoch sees it: one key space that a test can flush, or change behind the epoch's back. */
class FakeRedis implements QueueEpochStore {
  readonly values = new Map<string, string>();
  /** Runs before the next SET, as another process would between our GET and SET. */
  beforeSet: (() => void) | undefined;

  async get(key: string): Promise<string | null> {
    return this.values.get(key) ?? null;
  }

  async set(key: string, value: string): Promise<'OK' | null> {
    this.beforeSet?.();
    this.beforeSet = undefined;
    if (this.values.has(key)) return null;
    this.values.set(key, value);
    return 'OK';
  }
}

describe(QueueEpoch.name, () => {
  const key = queueEpochKey('idem');
  let redis: FakeRedis;
  let counter: number;

  function epochOver(store: FakeRedis): QueueEpoch {
    return new QueueEpoch(store, key, () => `epoch-${++counter}`);
  }

  beforeEach(() => {
    redis = new FakeRedis();
    counter = 0;
  });

  it('keeps its marker under the queue prefix', () => {
    expect(key).toBe('idem:epoch');
  });

  it('writes the marker on its first look and reports nothing lost, nor while the marker stays', async () => {
    const sut = epochOver(redis);
    expect(await sut.check()).toEqual({ kind: 'unchanged' });
    expect(redis.values.get(key)).toBe('epoch-1');
    expect(await sut.check()).toEqual({ kind: 'unchanged' });
  });

  it('learns a marker another process wrote on its first look', async () => {
    redis.values.set(key, 'theirs');
    const sut = epochOver(redis);
    expect(await sut.check()).toEqual({ kind: 'unchanged' });
    expect(redis.values.get(key)).toBe('theirs');
  });

  it('reports a loss and the rebuild to the process that writes the new marker, and the loss alone to the others', async () => {
    const first = epochOver(redis);
    const second = epochOver(redis);
    await first.check();
    await second.check();
    redis.values.clear();

    expect(await second.check()).toEqual({ kind: 'lost', rebuild: true });
    expect(await first.check()).toEqual({ kind: 'lost', rebuild: false });
    expect(await first.check()).toEqual({ kind: 'unchanged' });
    expect(await second.check()).toEqual({ kind: 'unchanged' });
  });

  it('leaves the rebuild to the other process when its write wins between our GET and SET', async () => {
    const sut = epochOver(redis);
    await sut.check();
    redis.values.clear();
    redis.beforeSet = () => redis.values.set(key, 'theirs');

    expect(await sut.check()).toEqual({ kind: 'lost', rebuild: false });
    expect(redis.values.get(key)).toBe('theirs');
  });

  it('notices each loss, however many', async () => {
    const sut = epochOver(redis);
    await sut.check();
    for (let loss = 0; loss < 3; loss++) {
      redis.values.clear();
      expect(await sut.check()).toEqual({ kind: 'lost', rebuild: true });
    }
  });

  it('keeps the loss for the next look when the marker vanishes again between our GET and SET', async () => {
    const sut = epochOver(redis);
    await sut.check();
    redis.values.clear();
    // Another process writes its marker and Redis loses it again before ours is read back.
    redis.beforeSet = () => redis.values.set(key, 'theirs');
    const set = redis.set.bind(redis);
    redis.set = async (...args) => {
      const answer = await set(...args);
      redis.values.clear();
      return answer;
    };

    expect(await sut.check()).toEqual({ kind: 'lost', rebuild: false });
    redis.set = set;
    expect(await sut.check()).toEqual({ kind: 'lost', rebuild: true });
  });
});
