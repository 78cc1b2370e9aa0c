import { assertTableName, SqlQueryable } from '../postgres/postgres-database';
import { DEFAULT_INBOX_TABLE, deleteExpiredInboxRows } from './inbox-table';

export interface InboxCleanupOptions {
  /** The inbox table. Default `'idem_inbox'`. */
  table?: string;
  /** How often expired rows are deleted. Default 10 minutes. */
  intervalMs?: number;
  /** Rows deleted per statement; a run repeats statements until one deletes fewer. Default 1000. */
  batchSize?: number;
  /** Errors of a run (the database is down, say); the next run goes ahead. Default `console.error`. */
  onError?: (error: unknown) => void;
}

/**
 * Keeps an inbox table bounded. A record expires `ttlMs` after its message was processed (96 hours by
 * default), and this deletes expired records every `intervalMs` until stopped, in batches of `batchSize`
 * so that no statement holds locks for long. The table then holds about `ttlMs` (plus one interval)
 * worth of your message rate. Any number of instances may run at once: each batch skips rows that
 * another holds. The timer does not keep the process alive.
 *
 * `PostgresDedupStore.startCleanup()` and `PostgresInbox.startCleanup()` create and start one on their table.
 *
 * @example
 * const cleanup = new InboxCleanup(pool, { intervalMs: 10 * 60_000 });
 * cleanup.start();
 * process.on('SIGTERM', () => cleanup.stop());
 */
export class InboxCleanup {
  private readonly table: string;
  private readonly intervalMs: number;
  private readonly batchSize: number;
  private readonly onError: (error: unknown) => void;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private started = false;

  /** `db`: a `pg` Pool or a TypeORM DataSource. */
  constructor(
    private readonly db: SqlQueryable,
    options: InboxCleanupOptions = {},
  ) {
    this.table = assertTableName(options.table ?? DEFAULT_INBOX_TABLE);
    this.intervalMs = options.intervalMs ?? 10 * 60_000;
    this.batchSize = options.batchSize ?? 1000;
    this.onError = options.onError ?? ((error) => console.error('[idem inbox cleanup]', error));
    if (!(this.intervalMs > 0) || !Number.isInteger(this.batchSize) || this.batchSize < 1) {
      throw new Error('InboxCleanup: intervalMs must be positive and batchSize a whole number of at least 1');
    }
  }

  /** Runs now, then every `intervalMs` until `stop()`. Starting twice changes nothing. */
  start(): void {
    if (this.started) return;
    this.started = true;
    // A run still finishing after a `stop()` schedules the next one itself.
    if (this.running === undefined) this.schedule(0);
  }

  /** Stops the timer and waits for a run in progress to finish. */
  async stop(): Promise<void> {
    this.started = false;
    clearTimeout(this.timer);
    await this.running;
  }

  /**
   * Deletes every expired row, a batch at a time; returns how many went. For a cron-style cleanup.
   *
   * @example
   * const deleted = await new InboxCleanup(pool).runOnce();
   */
  async runOnce(): Promise<number> {
    let total = 0;
    for (;;) {
      const deleted = await deleteExpiredInboxRows(this.db, this.table, this.batchSize);
      total += deleted;
      if (deleted < this.batchSize) return total;
    }
  }

  private schedule(delayMs: number): void {
    this.timer = setTimeout(() => {
      this.running = this.runOnce()
        .then(
          () => undefined,
          (error: unknown) => this.onError(error),
        )
        .finally(() => {
          this.running = undefined;
          if (this.started) this.schedule(this.intervalMs);
        });
    }, delayMs);
    this.timer.unref();
  }
}
