import { DEFAULT_DEDUP_TTL_MS } from './dedup-store';
import { MemoryDedupStore } from './memory-dedup-store';

describe(MemoryDedupStore.name, () => {
  let now: number;
  const clock = () => now;

  beforeEach(() => {
    now = 1_700_000_000_000;
  });

  it('claims a new id once, answers in_flight while it is processed and duplicate once completed', async () => {
    const sut = new MemoryDedupStore({ now: clock });
    const claim = await sut.claim('msg_1');
    expect(claim.status).toBe('claimed');
    expect(await sut.claim('msg_1')).toEqual({ status: 'in_flight' });

    await sut.complete('msg_1', (claim as { token: string }).token);

    expect(await sut.claim('msg_1')).toEqual({ status: 'duplicate' });
  });

  it('lets the next delivery claim a released id', async () => {
    const sut = new MemoryDedupStore({ now: clock });
    const claim = (await sut.claim('msg_1')) as { token: string };

    await sut.release('msg_1', claim.token);

    expect((await sut.claim('msg_1')).status).toBe('claimed');
  });

  it('ignores a release by a claimant whose lease was taken over', async () => {
    const sut = new MemoryDedupStore({ now: clock, leaseMs: 1000 });
    const first = (await sut.claim('msg_1')) as { token: string };
    now += 1001;
    const second = (await sut.claim('msg_1')) as { token: string };
    expect(second.token).not.toBe(first.token);

    await sut.release('msg_1', first.token);

    expect(await sut.claim('msg_1')).toEqual({ status: 'in_flight' });
  });

  it('remembers a processed id for its TTL and forgets it after', async () => {
    const sut = new MemoryDedupStore({ now: clock, ttlMs: 60_000 });
    const claim = (await sut.claim('msg_1')) as { token: string };
    await sut.complete('msg_1', claim.token);

    now += 59_999;
    expect(await sut.claim('msg_1')).toEqual({ status: 'duplicate' });
    now += 2;
    expect((await sut.claim('msg_1')).status).toBe('claimed');
  });

  it('defaults to a TTL longer than the sender retry horizon of about 76 hours', async () => {
    const sut = new MemoryDedupStore({ now: clock });
    const claim = (await sut.claim('msg_1')) as { token: string };
    await sut.complete('msg_1', claim.token);

    now += 76 * 60 * 60 * 1000;

    expect(DEFAULT_DEDUP_TTL_MS).toBeGreaterThanOrEqual(76 * 60 * 60 * 1000);
    expect(await sut.claim('msg_1')).toEqual({ status: 'duplicate' });
  });

  it('holds at most maxEntries ids, forgetting the least recently seen', async () => {
    const sut = new MemoryDedupStore({ now: clock, maxEntries: 3 });
    for (const id of ['a', 'b', 'c']) await sut.complete(id, 'token');
    await sut.claim('a'); // seen again: now the most recent

    for (const id of ['d', 'e']) await sut.complete(id, 'token');

    expect(sut.size).toBe(3);
    expect(await sut.claim('a')).toEqual({ status: 'duplicate' });
    expect((await sut.claim('b')).status).toBe('claimed');
  });

  it('does not grow with a stream of unique ids', async () => {
    const sut = new MemoryDedupStore({ now: clock, maxEntries: 1000 });
    for (let i = 0; i < 10_000; i++) {
      const claim = (await sut.claim(`msg_${i}`)) as { token: string };
      await sut.complete(`msg_${i}`, claim.token);
    }
    expect(sut.size).toBe(1000);
  });
});
