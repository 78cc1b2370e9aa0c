import { IdemConfig } from '@app/config';
import { IdempotencyFindingKind, ProducerKeyKind } from '@app/core';
import { IdempotencyFindingRepository, KeySighting, NewIdempotencyFinding } from '@app/persistence';
import { IdempotencyFindings } from './idempotency-findings';
import { IntakeMetrics } from './intake-metrics';

/** The statement as the step sees it: it keeps what it was given and finds nothing against earlier batches. */
class FakeFindingRepository implements Pick<IdempotencyFindingRepository, 'record'> {
  sightings: KeySighting[] = [];
  findings: NewIdempotencyFinding[] = [];

  async record(sightings: readonly KeySighting[], findings: readonly NewIdempotencyFinding[]): Promise<NewIdempotencyFinding[]> {
    this.sightings = [...sightings];
    this.findings = [...findings];
    return findings.filter((finding) => finding.kind === IdempotencyFindingKind.SendTimeKey);
  }
}

describe(IdempotencyFindings.name, () => {
  const sighting = (messageId: string, key: string, fingerprint = 'f1') => ({ appId: 'app_1', fingerprint, keyKind: ProducerKeyKind.EventId, key, messageId, eventType: 'order.paid' });
  let repository: FakeFindingRepository;
  let counted: string[];
  let sut: IdempotencyFindings;

  beforeEach(() => {
    repository = new FakeFindingRepository();
    counted = [];
    const metrics = { idempotencyFinding: (kind: string) => void counted.push(kind) } as unknown as IntakeMetrics;
    sut = new IdempotencyFindings(repository as unknown as IdempotencyFindingRepository, metrics, { sendTimeKeyWindowMs: 600_000 } as IdemConfig);
  });

  it('flags the same content under another key within the batch, and compares only the first of each content with what came before', async () => {
    const found = await sut.record([sighting('msg_1', 'k1'), sighting('msg_2', 'k2'), sighting('msg_3', 'k2'), sighting('msg_4', 'k9', 'f2')], []);

    expect(repository.sightings.map((s) => s.compare)).toEqual([true, false, false, true]);
    expect(found.sendTimeKeys).toEqual([expect.objectContaining({ kind: IdempotencyFindingKind.SendTimeKey, key: 'k2', earlierKey: 'k1', messageId: 'msg_2', earlierMessageId: 'msg_1' })]);
  });

  it('counts every finding once the batch is durable', async () => {
    const replay: NewIdempotencyFinding = { appId: 'app_1', kind: IdempotencyFindingKind.Replay, keyKind: ProducerKeyKind.EventId, key: 'k1', earlierKey: null, eventType: 'order.paid', messageId: 'msg_2', earlierMessageId: 'msg_1' };
    const found = await sut.record([sighting('msg_1', 'k1'), sighting('msg_2', 'k2')], [replay]);
    expect(counted).toEqual([]);

    sut.afterCommit(found);

    expect(counted).toEqual([IdempotencyFindingKind.Replay, IdempotencyFindingKind.SendTimeKey]);
  });
});
