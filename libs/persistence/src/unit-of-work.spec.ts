import { TransactionHost } from '@nestjs-cls/transactional';
import { TransactionalAdapterTypeOrm } from '@nestjs-cls/transactional-adapter-typeorm';
import { AsyncLocalStorage } from 'node:async_hooks';
import { ClsService } from 'nestjs-cls';
import { UnitOfWork } from './unit-of-work';

const ACTIVE = Symbol('fake transaction');

/** A transaction host over the real CLS that records begin, commit and rollback instead of talking to Postgres. */
class FakeTransactionHost {
  readonly events: string[] = [];

  constructor(private readonly cls: ClsService) {}

  isTransactionActive(): boolean {
    return this.cls.isActive() && this.cls.get(ACTIVE) === true;
  }

  withTransaction<T>(work: () => Promise<T>): Promise<T> {
    return this.cls.run({ ifNested: 'inherit' }, async () => {
      this.events.push('begin');
      this.cls.set(ACTIVE, true);
      try {
        const result = await work();
        this.events.push('commit');
        return result;
      } catch (error) {
        this.events.push('rollback');
        throw error;
      }
    });
  }
}

describe(UnitOfWork.name, () => {
  let txHost: FakeTransactionHost;
  let sut: UnitOfWork;

  beforeEach(() => {
    const cls = new ClsService(new AsyncLocalStorage());
    txHost = new FakeTransactionHost(cls);
    sut = new UnitOfWork(txHost as unknown as TransactionHost<TransactionalAdapterTypeOrm>, cls);
  });

  it('runs nested work in the outermost transaction and calls afterCommit callbacks, in order, only after it commits', async () => {
    const result = await sut.run(async () => {
      sut.afterCommit(() => void txHost.events.push('outer callback'));
      return sut.run(async () => {
        sut.afterCommit(() => void txHost.events.push('inner callback'));
        txHost.events.push('inner work');
        return 42;
      });
    });

    expect(result).toBe(42);
    expect(txHost.events).toEqual(['begin', 'inner work', 'commit', 'outer callback', 'inner callback']);
  });

  it('drops the callbacks when the transaction rolls back', async () => {
    await expect(
      sut.run(async () => {
        sut.afterCommit(() => void txHost.events.push('callback'));
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');

    expect(txHost.events).toEqual(['begin', 'rollback']);
  });

  it('keeps the callbacks of separate runs apart', async () => {
    await sut.run(async () => sut.afterCommit(() => void txHost.events.push('first')));
    await sut.run(async () => sut.afterCommit(() => void txHost.events.push('second')));

    expect(txHost.events).toEqual(['begin', 'commit', 'first', 'begin', 'commit', 'second']);
  });

  it('refuses afterCommit outside a run, where nothing would ever call it', () => {
    expect(() => sut.afterCommit(() => undefined)).toThrow(/outside UnitOfWork.run/);
  });
});
