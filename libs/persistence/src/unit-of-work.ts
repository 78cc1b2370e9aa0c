import { TransactionHost } from '@nestjs-cls/transactional';
import { TransactionalAdapterTypeOrm } from '@nestjs-cls/transactional-adapter-typeorm';
import { Injectable } from '@nestjs/common';
import { ClsService } from 'nestjs-cls';

const AFTER_COMMIT = Symbol('idem:afterCommit');

type AfterCommit = () => Promise<void> | void;

/**
 * One database transaction around a piece of work, plus what must happen only once it is durable.
 * Nested `run`s join the outermost one, so an HTTP interceptor and the service it wraps share one
 * transaction, and side effects outside Postgres (enqueueing deliveries) wait for the outermost commit.
 */
@Injectable()
export class UnitOfWork {
  constructor(
    private readonly txHost: TransactionHost<TransactionalAdapterTypeOrm>,
    private readonly cls: ClsService,
  ) {}

  /**
   * Runs `work` in the active transaction, or in a new one that commits when `work` resolves. The
   * outermost `run` then calls the `afterCommit` callbacks in order; a callback that throws fails
   * the caller although the transaction is committed, so callbacks whose failure is tolerable
   * handle it themselves.
   */
  async run<T>(work: () => Promise<T>): Promise<T> {
    if (this.txHost.isTransactionActive()) return work();
    const callbacks: AfterCommit[] = [];
    const result = await this.cls.run({ ifNested: 'inherit' }, () => {
      this.cls.set(AFTER_COMMIT, callbacks);
      return this.txHost.withTransaction(work);
    });
    for (const callback of callbacks) await callback();
    return result;
  }

  /**
   * Runs `work` in a transaction of its own, apart from any transaction the caller is in (whose writes
   * it neither sees nor joins). For work shared by many callers, such as a group commit.
   */
  runApart<T>(work: () => Promise<T>): Promise<T> {
    return this.cls.run({ ifNested: 'override' }, () => this.run(work));
  }

  /** True inside `run` (or any transaction the caller opened). */
  get inTransaction(): boolean {
    return this.txHost.isTransactionActive();
  }

  /** Schedules `callback` for after the outermost transaction commits; it never runs if it rolls back. */
  afterCommit(callback: AfterCommit): void {
    const callbacks = this.txHost.isTransactionActive() ? this.cls.get<AfterCommit[] | undefined>(AFTER_COMMIT) : undefined;
    if (!callbacks) throw new Error('UnitOfWork.afterCommit called outside UnitOfWork.run');
    callbacks.push(callback);
  }
}
