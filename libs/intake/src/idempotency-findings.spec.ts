import { IdemConfig } from '@app/config';
import { IdempotencyFindingKind, ProducerKeyKind } from '@app/core';
import { IdempotencyFindingRepository, KeySighting, NewIdempotencyFinding } from '@app/persistence';
import { Logger } from '@nestjs/common';
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

  describe('the warning', () => {
    let warnings: unknown[][];
    let now: number;

    beforeEach(() => {
      warnings = [];
      now = 1_000_000;
      jest.spyOn(Logger.prototype, 'warn').mockImplementation((...args: unknown[]) => void warnings.push(args));
      jest.spyOn(Date, 'now').mockImplementation(() => now);
    });

    afterEach(() => {
      jest.restoreAllMocks();
    });

    const sendTimeKeys = async (...ids: string[]) => sut.record(ids.map((id, n) => sighting(id, `k-${id}-${n}`)), []);

    it('names both messages of the first send-time key of a batch, once', async () => {
      sut.afterCommit(await sendTimeKeys('msg_1', 'msg_2', 'msg_3'));

      expect(warnings).toHaveLength(1);
      const [fields, text] = warnings[0] as [Record<string, unknown>, string];
      expect(fields).toMatchObject({ appId: 'app_1', messageId: 'msg_2', earlierMessageId: 'msg_1', inBatch: 2 });
      expect(text).toContain('msg_2');
      expect(text).toContain('msg_1');
    });

    it('stays silent for 10 seconds after a warning, then warns again', async () => {
      sut.afterCommit(await sendTimeKeys('msg_1', 'msg_2'));
      now += 9_999;
      sut.afterCommit(await sendTimeKeys('msg_3', 'msg_4'));
      expect(warnings).toHaveLength(1);

      now += 1;
      sut.afterCommit(await sendTimeKeys('msg_5', 'msg_6'));
      expect(warnings).toHaveLength(2);
      expect(warnings[1][0]).toMatchObject({ messageId: 'msg_6', earlierMessageId: 'msg_5' });
    });

    it('says nothing for a batch without a send-time key', async () => {
      sut.afterCommit(await sendTimeKeys('msg_1'));
      expect(warnings).toEqual([]);
    });
  });
});
