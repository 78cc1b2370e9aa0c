import { inTransaction, PostgresDatabase, queryRows, SqlQueryable } from '../postgres/postgres-database';
import { IdemClient, IngestAttempt, MAX_BATCH_MESSAGES, SagaAttempt, SagaIn } from './ingest-client';
import { DEFAULT_OUTBOX_TABLE, PostgresOutbox, SAGA_OUTBOX_EVENT_TYPE } from './outbox';
import { RetryPolicy, RetryPolicyOptions } from './retry-policy';

/** Shipped rows deleted per statement by the running relay's cleanup. */
const CLEANUP_BATCH = 1000;

export interface OutboxRelayOptions {
  /** Sends the rows, each application's in one batch create call; an `IdemClient`. */
  client: Pick<IdemClient, 'attemptSendBatch' | 'attemptStartSaga'>;
  /** The outbox table. Default `'idem_outbox'`. */
  table?: string;
  /** Rows claimed per transaction. Default 50. */
  batchSize?: number;
  /** Batch create calls in flight at once (one per application of the batch). Default 5. */
  concurrency?: number;
  /** Wait between polls when the outbox is empty. Default 1 s. */
  pollIntervalMs?: number;
  /** Backoff between a row's attempts. Defaults: 1 s base, 5 min cap, no attempt limit. */
  retry?: RetryPolicyOptions;
  /** How long shipped rows are kept before `deleteShipped` removes them. Default 7 days. */
  retentionMs?: number;
  /** How often the running relay deletes shipped rows past retention. Default 10 minutes. */
  cleanupIntervalMs?: number;
  /** Errors of the polling loop itself (e.g. the database is down); the loop carries on. Default `console.error`. */
  onError?: (error: unknown) => void;
}

/** What one `runOnce` did. */
export interface RelayBatch {
  claimed: number;
  shipped: number;
  /** Rows rescheduled after a transient failure. */
  retrying: number;
  /** Rows Idem refused for good (marked `failed` with the reason in `last_error`). */
  failed: number;
}

interface OutboxRow {
  id: string;
  app: string;
  idempotency_key: string;
  event_type: string;
  payload: Record<string, unknown>;
  channels: string[] | null;
  attempts: number;
}

/**
 * Ships pending outbox rows to Idem, each application's rows of a batch in one batch create call (every
 * row's key as its eventId). Each batch is claimed with `SELECT ... FOR UPDATE SKIP LOCKED` and
 * stays locked while it ships, so any number of relays can run and no row is ever sent by two at once.
 * If a relay dies, its transaction aborts, the locks go, and the rows are pending again for the next
 * relay; a row that got through just before the crash is sent again with the same key, and Idem
 * answers it as a replay.
 *
 * Transient failures (network, timeouts, 408, 429, 5xx, a 409 `idempotency_in_flight`) are rescheduled
 * with exponential backoff and full jitter; a `Retry-After` sets the row's next attempt and pauses the
 * whole relay that long. Refusals (other 4xx, and a 409 `conflict`: the event id was used with another
 * body, which a resend cannot fix) mark the row `failed` for a human, never retried forever.
 *
 * @example
 * const relay = new OutboxRelay(pool, { client: new IdemClient({ baseUrl, token }) });
 * relay.start();
 * process.on('SIGTERM', () => relay.stop());
 */
export class OutboxRelay {
  private readonly table: string;
  private readonly batchSize: number;
  private readonly concurrency: number;
  private readonly pollIntervalMs: number;
  private readonly retryPolicy: RetryPolicy;
  private readonly retentionMs: number;
  private readonly cleanupIntervalMs: number;
  private readonly onError: (error: unknown) => void;
  private pausedUntil = 0;
  private running = false;
  private loop: Promise<void> | undefined;
  private wake: (() => void) | undefined;

  /** `database`: a `pg` Pool or a TypeORM DataSource. */
  constructor(
    private readonly database: PostgresDatabase,
    private readonly options: OutboxRelayOptions,
  ) {
    this.table = new PostgresOutbox({ table: options.table ?? DEFAULT_OUTBOX_TABLE }).table;
    this.batchSize = options.batchSize ?? 50;
    this.concurrency = options.concurrency ?? 5;
    this.pollIntervalMs = options.pollIntervalMs ?? 1000;
    this.retryPolicy = new RetryPolicy({ baseDelayMs: 1000, maxDelayMs: 5 * 60_000, maxAttempts: Infinity, ...options.retry });
    this.retentionMs = options.retentionMs ?? 7 * 24 * 60 * 60 * 1000;
    this.cleanupIntervalMs = options.cleanupIntervalMs ?? 10 * 60_000;
    this.onError = options.onError ?? ((error) => console.error('[idem outbox relay]', error));
  }

  /** Polls and ships until `stop()`. */
  start(): void {
    if (this.loop !== undefined) return;
    this.running = true;
    this.loop = this.poll();
  }

  /** Finishes the batch in hand, then stops. */
  async stop(): Promise<void> {
    this.running = false;
    this.wake?.();
    await this.loop;
    this.loop = undefined;
  }

  /**
   * Claims one batch of due rows and ships it. Returns what happened; useful for a cron-style relay.
   *
   * @example
   * while ((await relay.runOnce()).claimed > 0);
   */
  async runOnce(): Promise<RelayBatch> {
    const batch: RelayBatch = { claimed: 0, shipped: 0, retrying: 0, failed: 0 };
    if (Date.now() < this.pausedUntil) return batch;
    return inTransaction(this.database, async (transaction) => {
      const rows = await queryRows<OutboxRow>(
        transaction,
        `SELECT id, app, idempotency_key, event_type, payload, channels, attempts FROM ${this.table}
         WHERE status = 'pending' AND next_attempt_at <= now()
         ORDER BY next_attempt_at, id
         LIMIT $1
         FOR UPDATE SKIP LOCKED`,
        [this.batchSize],
      );
      batch.claimed = rows.length;
      const attempts: Array<[OutboxRow, IngestAttempt | SagaAttempt]> = [];
      const calls = callsOf(rows.filter((row) => row.event_type !== SAGA_OUTBOX_EVENT_TYPE));
      for (const row of rows) {
        if (row.event_type === SAGA_OUTBOX_EVENT_TYPE) attempts.push([row, await this.options.client.attemptStartSaga(row.app, row.payload as unknown as SagaIn)]);
      }
      let next = 0;
      const ship = async (): Promise<void> => {
        // After a 429 the rest of the batch stays pending, untouched: the server asked everyone to wait.
        while (next < calls.length && Date.now() >= this.pausedUntil) {
          const { app, rows: sent } = calls[next++];
          const answers = await this.options.client.attemptSendBatch(
            app,
            sent.map((row) => ({
              message: { eventType: row.event_type, payload: row.payload, eventId: row.idempotency_key, channels: row.channels ?? undefined },
              idempotencyKey: row.idempotency_key,
            })),
          );
          answers.forEach((attempt, index) => {
            if (attempt.outcome === 'retry' && attempt.retryAfterMs !== undefined) {
              this.pausedUntil = Math.max(this.pausedUntil, Date.now() + attempt.retryAfterMs);
            }
            attempts.push([sent[index], attempt]);
          });
        }
      };
      await Promise.all(Array.from({ length: Math.min(this.concurrency, calls.length) }, ship));
      // One connection runs one statement at a time, so the outcomes are written after the sends.
      for (const [row, attempt] of attempts) batch[await this.record(transaction, row, attempt)]++;
      return batch;
    });
  }

  /**
   * Deletes up to `limit` shipped rows older than the retention window; returns how many went.
   *
   * @example
   * await relay.deleteShipped();
   */
  async deleteShipped(limit = 10_000): Promise<number> {
    const [deleted] = await queryRows<{ count: number }>(
      this.database,
      `WITH doomed AS (
         SELECT id FROM ${this.table} WHERE status = 'shipped' AND shipped_at < now() - $1 * interval '1 millisecond' LIMIT $2
       ), deleted AS (DELETE FROM ${this.table} t USING doomed WHERE t.id = doomed.id RETURNING 1)
       SELECT count(*)::int AS count FROM deleted`,
      [this.retentionMs, limit],
    );
    return deleted.count;
  }

  private async record(transaction: SqlQueryable, row: OutboxRow, attempt: IngestAttempt | SagaAttempt): Promise<'shipped' | 'retrying' | 'failed'> {
    const attempts = row.attempts + 1;
    if (attempt.outcome === 'accepted') {
      await transaction.query(
        `UPDATE ${this.table} SET status = 'shipped', shipped_at = now(), attempts = $2, message_id = $3, last_error = NULL WHERE id = $1`,
        [row.id, attempts, 'saga' in attempt ? attempt.saga.id : (attempt.message?.id ?? null)],
      );
      return 'shipped';
    }
    if (attempt.outcome === 'rejected' || !this.retryPolicy.allowsAnotherAttempt(attempts)) {
      await transaction.query(`UPDATE ${this.table} SET status = 'failed', attempts = $2, last_error = $3 WHERE id = $1`, [
        row.id,
        attempts,
        attempt.detail,
      ]);
      return 'failed';
    }
    await transaction.query(
      `UPDATE ${this.table} SET attempts = $2, next_attempt_at = now() + $3 * interval '1 millisecond', last_error = $4 WHERE id = $1`,
      [row.id, attempts, this.retryPolicy.delayBeforeRetry(attempts, attempt.retryAfterMs), attempt.detail],
    );
    return 'retrying';
  }

  private async poll(): Promise<void> {
    let lastCleanup = 0;
    while (this.running) {
      let batch: RelayBatch;
      try {
        if (Date.now() - lastCleanup >= this.cleanupIntervalMs) {
          // Batch after batch until one comes back short: one batch per interval would fall behind a
          // relay that ships faster than that, and the outbox would grow without bound.
          while ((await this.deleteShipped(CLEANUP_BATCH)) === CLEANUP_BATCH);
          lastCleanup = Date.now();
        }
        batch = await this.runOnce();
      } catch (error) {
        this.onError(error);
        await this.pause(this.pollIntervalMs);
        continue;
      }
      const rateLimited = this.pausedUntil - Date.now();
      if (rateLimited > 0) await this.pause(rateLimited);
      else if (batch.claimed < this.batchSize) await this.pause(this.pollIntervalMs);
    }
  }

  private pause(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, ms);
      this.wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }
}

/** The claimed rows as batch create calls: one per application, at most `MAX_BATCH_MESSAGES` rows each. */
function callsOf(rows: readonly OutboxRow[]): { app: string; rows: OutboxRow[] }[] {
  const byApp = new Map<string, OutboxRow[]>();
  for (const row of rows) byApp.set(row.app, [...(byApp.get(row.app) ?? []), row]);
  const calls: { app: string; rows: OutboxRow[] }[] = [];
  for (const [app, appRows] of byApp) {
    for (let start = 0; start < appRows.length; start += MAX_BATCH_MESSAGES) calls.push({ app, rows: appRows.slice(start, start + MAX_BATCH_MESSAGES) });
  }
  return calls;
}
