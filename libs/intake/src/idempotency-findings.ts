import { IdemConfig } from '@app/config';
import { IdempotencyFindingKind } from '@app/core';
import { IdempotencyFindingRepository, KeySighting, NewIdempotencyFinding } from '@app/persistence';
import { Injectable, Logger } from '@nestjs/common';
import { IntakeMetrics } from './intake-metrics';

/** What one batch found, to count and log once it is durable. */
export interface BatchFindings {
  observed: NewIdempotencyFinding[];
  sendTimeKeys: NewIdempotencyFinding[];
}

/** At most one warning per this many milliseconds per process: a producer minting keys at send time does it on every retry. */
const WARNING_INTERVAL_MS = 10_000;

/**
 * The intake's step that records what the idempotency report shows: the repeated keys an application
 * in observe mode let through, and the send-time-key detector. One statement per batch, whatever it
 * holds, and none for a batch with neither a finding nor a keyed message.
 */
@Injectable()
export class IdempotencyFindings {
  private readonly logger = new Logger('SendTimeKeyDetector');
  private lastWarningAt = 0;

  constructor(
    private readonly findings: IdempotencyFindingRepository,
    private readonly metrics: IntakeMetrics,
    private readonly config: IdemConfig,
  ) {}

  /**
   * Records `observed` and the batch's sightings (messages written in batch order, each under the key
   * that names it). The same content under two keys in the batch itself is found here; against earlier
   * batches, by the statement.
   */
  async record(sightings: Omit<KeySighting, 'compare'>[], observed: NewIdempotencyFinding[]): Promise<BatchFindings> {
    const lastOf = new Map<string, Omit<KeySighting, 'compare'>>();
    const compared: KeySighting[] = [];
    const inBatch: NewIdempotencyFinding[] = [];
    for (const sighting of sightings) {
      const content = `${sighting.appId}\n${sighting.fingerprint}`;
      const last = lastOf.get(content);
      compared.push({ ...sighting, compare: last === undefined });
      if (last && (last.keyKind !== sighting.keyKind || last.key !== sighting.key)) inBatch.push(sendTimeKeyOf(sighting, last));
      lastOf.set(content, sighting);
    }
    const sendTimeKeys = await this.findings.record(compared, [...observed, ...inBatch], this.config.sendTimeKeyWindowMs);
    return { observed, sendTimeKeys };
  }

  afterCommit({ observed, sendTimeKeys }: BatchFindings): void {
    for (const finding of observed) this.metrics.idempotencyFinding(finding.kind);
    for (const finding of sendTimeKeys) this.metrics.idempotencyFinding(finding.kind);
    const [first] = sendTimeKeys;
    if (!first || Date.now() - this.lastWarningAt < WARNING_INTERVAL_MS) return;
    this.lastWarningAt = Date.now();
    this.logger.warn(
      { appId: first.appId, eventType: first.eventType, messageId: first.messageId, earlierMessageId: first.earlierMessageId, inBatch: sendTimeKeys.length },
      `probable send-time key: message ${first.messageId} repeats the content of ${first.earlierMessageId} under another ${first.keyKind}; mint the key where the event happens, not per send`,
    );
  }
}

function sendTimeKeyOf(later: Omit<KeySighting, 'compare'>, earlier: Omit<KeySighting, 'compare'>): NewIdempotencyFinding {
  return {
    appId: later.appId,
    kind: IdempotencyFindingKind.SendTimeKey,
    keyKind: later.keyKind,
    key: later.key,
    earlierKey: earlier.key,
    eventType: later.eventType,
    messageId: later.messageId,
    earlierMessageId: earlier.messageId,
  };
}
