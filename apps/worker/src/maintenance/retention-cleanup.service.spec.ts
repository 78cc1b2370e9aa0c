import { IdemConfig, loadIdemConfig } from '@app/config';
import { RetainedTable, RetentionRepository } from '@app/persistence';
import { WorkerMetrics } from '../metrics/worker-metrics';
import { RetentionCleanup } from './retention-cleanup.service';

/** Postgres as the cleanup sees it: so many rows due per table, handed out at most `limit` at a time. */
class FakeRetention implements Pick<RetentionRepository, 'deleteOlderThan' | 'expungeExpiredPayloads'> {
  readonly calls: string[] = [];

  constructor(
    private expiredPayloads: number,
    private readonly due: Record<RetainedTable, number>,
  ) {}

  async expungeExpiredPayloads(limit: number): Promise<number> {
    const count = Math.min(limit, this.expiredPayloads);
    this.expiredPayloads -= count;
    this.calls.push(`payloads:${count}`);
    return count;
  }

  async deleteOlderThan(table: RetainedTable, _maxAgeMs: number, limit: number): Promise<number> {
    const count = Math.min(limit, this.due[table]);
    this.due[table] -= count;
    this.calls.push(`${table}:${count}`);
    return count;
  }
}

/** Rows deleted per table and payloads expunged, added up. */
class FakeMetrics implements Pick<WorkerMetrics, 'rowsDeleted' | 'payloadsExpunged'> {
  readonly deleted: Partial<Record<RetainedTable, number>> = {};
  expunged = 0;

  rowsDeleted(table: RetainedTable, count: number): void {
    this.deleted[table] = (this.deleted[table] ?? 0) + count;
  }

  payloadsExpunged(count: number): void {
    this.expunged += count;
  }
}

describe(RetentionCleanup.name, () => {
  const config: IdemConfig = loadIdemConfig({});

  it('expunges expired payloads first, then deletes each table, batch after batch until one comes back short, counting what went', async () => {
    const retention = new FakeRetention(2500, { idempotencyRecords: 1000, messageEventIds: 3, idempotencyFindings: 4, payloadFingerprints: 1001, messages: 1200, backgroundTasks: 0, sagas: 2, endpointDeliveryCounts: 4, endpointAttemptCounts: 1001 });
    const metrics = new FakeMetrics();
    const sut = new RetentionCleanup(retention as unknown as RetentionRepository, metrics as unknown as WorkerMetrics, config);

    const report = await sut.cleanUp();

    expect(report).toEqual({ expungedPayloads: 2500, deleted: { idempotencyRecords: 1000, messageEventIds: 3, idempotencyFindings: 4, payloadFingerprints: 1001, messages: 1200, backgroundTasks: 0, sagas: 2, endpointDeliveryCounts: 4, endpointAttemptCounts: 1001 } });
    expect(retention.calls).toEqual([
      'payloads:1000',
      'payloads:1000',
      'payloads:500',
      'idempotencyRecords:1000',
      'idempotencyRecords:0',
      'messageEventIds:3',
      'idempotencyFindings:4',
      'payloadFingerprints:1000',
      'payloadFingerprints:1',
      'messages:1000',
      'messages:200',
      'backgroundTasks:0',
      'sagas:2',
      'endpointDeliveryCounts:4',
      'endpointAttemptCounts:1000',
      'endpointAttemptCounts:1',
    ]);
    expect(metrics).toEqual(expect.objectContaining({ expunged: 2500, deleted: { idempotencyRecords: 1000, messageEventIds: 3, idempotencyFindings: 4, payloadFingerprints: 1001, messages: 1200, backgroundTasks: 0, sagas: 2, endpointDeliveryCounts: 4, endpointAttemptCounts: 1001 } }));
  });
});
