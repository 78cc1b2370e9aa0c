import { MetricsRegistry } from '@app/metrics';
import { Injectable } from '@nestjs/common';
import { IdempotencyFindingKind } from '@app/core';
import { Counter } from 'prom-client';

/** Messages accepted, counted where they are accepted and only once they are durable. */
@Injectable()
export class IntakeMetrics {
  private readonly acceptedMessages: Counter<'replayed'>;
  private readonly violations: Counter<'enforcement'>;
  private readonly findings: Counter<'kind'>;

  constructor(registry: MetricsRegistry) {
    this.acceptedMessages = new Counter({
      name: 'idem_messages_accepted_total',
      help: 'Messages accepted, by whether the request was an idempotent replay (a repeated eventId or Idempotency-Key) that wrote nothing new',
      labelNames: ['replayed'],
      registers: [registry],
    });
    // Both series exist from the start, so rate() and absent() work before the first message.
    this.acceptedMessages.inc({ replayed: 'false' }, 0);
    this.acceptedMessages.inc({ replayed: 'true' }, 0);
    this.violations = new Counter({
      name: 'idem_payload_schema_violations_total',
      help: "Payloads that did not match their event type's schema: observed (accepted, recorded on the message) or enforced (refused with 422)",
      labelNames: ['enforcement'],
      registers: [registry],
    });
    this.violations.inc({ enforcement: 'observe' }, 0);
    this.violations.inc({ enforcement: 'enforce' }, 0);
    this.findings = new Counter({
      name: 'idem_idempotency_findings_total',
      help: 'What the idempotency report records: repeated keys let through in observe mode (replay, conflict) and probable send-time keys (send_time_key)',
      labelNames: ['kind'],
      registers: [registry],
    });
    for (const kind of Object.values(IdempotencyFindingKind)) this.findings.inc({ kind }, 0);
  }

  idempotencyFinding(kind: IdempotencyFindingKind): void {
    this.findings.inc({ kind });
  }

  schemaViolations(observed: number, refused: number): void {
    if (observed > 0) this.violations.inc({ enforcement: 'observe' }, observed);
    if (refused > 0) this.violations.inc({ enforcement: 'enforce' }, refused);
  }

  messagesAccepted(written: number, replayed: number): void {
    if (written > 0) this.acceptedMessages.inc({ replayed: 'false' }, written);
    if (replayed > 0) this.acceptedMessages.inc({ replayed: 'true' }, replayed);
  }
}
