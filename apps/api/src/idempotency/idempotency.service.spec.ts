import { IdemConfig } from '@app/config';
import { IdemError, IdemErrorCode } from '@app/core';
import { IdempotencyRecordEntity, IdempotencyRecordFields, IdempotencyRecordRepository, UnitOfWork } from '@app/persistence';
import { idempotencyScope, IdempotencyService, requestFingerprint } from './idempotency.service';

class FakeRecords {
  locked = false;
  readonly saved: IdempotencyRecordFields[] = [];
  stored: IdempotencyRecordEntity | null = null;

  async tryLock(keys: unknown[]): Promise<boolean[]> {
    return keys.map(() => !this.locked);
  }

  async findLive(): Promise<IdempotencyRecordEntity[]> {
    return this.stored ? [this.stored] : [];
  }

  async save(records: IdempotencyRecordFields[]): Promise<void> {
    this.saved.push(...records);
  }
}

const inline = { run: <T>(work: () => Promise<T>) => work() } as unknown as UnitOfWork;

describe(IdempotencyService.name, () => {
  const request = { scope: 'scope', key: 'key', requestHash: 'hash-1' };
  let records: FakeRecords;
  let sut: IdempotencyService;

  beforeEach(() => {
    records = new FakeRecords();
    sut = new IdempotencyService(records as unknown as IdempotencyRecordRepository, inline, { idempotencyRetentionMs: 60_000 } as IdemConfig);
  });

  it('runs the first request and stores its successful response', async () => {
    const outcome = await sut.execute(request, async () => ({ status: 201, body: { id: 'app_1' } }));

    expect(outcome).toEqual({ status: 201, body: { id: 'app_1' }, replayed: false });
    expect(records.saved).toEqual([{ scope: 'scope', key: 'key', requestHash: 'hash-1', responseStatus: 201, responseBody: { id: 'app_1' } }]);
  });

  it('stores the replay body instead when the answer holds a secret shown once', async () => {
    const outcome = await sut.execute(request, async () => ({ status: 201, body: { id: 'tok_1', token: 'idem_secret' }, replayBody: { id: 'tok_1', token: null } }));

    expect(outcome).toEqual({ status: 201, body: { id: 'tok_1', token: 'idem_secret' }, replayed: false });
    expect(records.saved[0].responseBody).toEqual({ id: 'tok_1', token: null });
  });

  it('does not store a failure, so the key stays usable', async () => {
    await sut.execute(request, async () => ({ status: 404, body: { code: 'not_found' } }));
    await expect(sut.execute(request, async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');

    expect(records.saved).toEqual([]);
  });

  it('replays a stored response without running the work again', async () => {
    records.stored = { ...request, requestHash: 'hash-1', responseStatus: 202, responseBody: { id: 'msg_1' }, createdAt: new Date() } as IdempotencyRecordEntity;
    const work = jest.fn();

    const outcome = await sut.execute(request, work);

    expect(outcome).toEqual({ status: 202, body: { id: 'msg_1' }, replayed: true });
    expect(work).not.toHaveBeenCalled();
  });

  it('refuses the same key with a different request', async () => {
    records.stored = { ...request, requestHash: 'hash-other', responseStatus: 202, responseBody: {}, createdAt: new Date() } as IdempotencyRecordEntity;

    await expect(sut.execute(request, jest.fn())).rejects.toEqual(expect.objectContaining({ code: IdemErrorCode.IdempotencyKeyReused }));
  });

  it('answers in flight while another transaction holds the key', async () => {
    records.locked = true;
    const work = jest.fn();

    const error = await sut.execute(request, work).catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(IdemError);
    expect((error as IdemError).code).toBe(IdemErrorCode.IdempotencyInFlight);
    expect(work).not.toHaveBeenCalled();
  });
});

describe(idempotencyScope.name, () => {
  it('is the same with and without a trailing slash, and differs per credential and route', () => {
    expect(idempotencyScope('admin', 'post', '/api/v1/app/')).toBe(idempotencyScope('admin', 'POST', '/api/v1/app'));
    expect(idempotencyScope('admin', 'POST', '/api/v1/app')).not.toBe(idempotencyScope('tok_1', 'POST', '/api/v1/app'));
    expect(idempotencyScope('admin', 'POST', '/api/v1/app/a/msg')).not.toBe(idempotencyScope('admin', 'POST', '/api/v1/app/b/msg'));
  });
});

describe(requestFingerprint.name, () => {
  it('ignores key order but not values, in body and query', () => {
    expect(requestFingerprint({ a: '1' }, { x: 1, y: 2 })).toBe(requestFingerprint({ a: '1' }, { y: 2, x: 1 }));
    expect(requestFingerprint({ a: '1' }, { x: 1 })).not.toBe(requestFingerprint({ a: '2' }, { x: 1 }));
    expect(requestFingerprint({}, { x: 1 })).not.toBe(requestFingerprint({}, { x: 2 }));
  });
});
