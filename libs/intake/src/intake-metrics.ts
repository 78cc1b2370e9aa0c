import { MetricsRegistry } from '@app/metrics';
import { Injectable } from '@nestjs/common';
import { Counter } from 'prom-client';

/** Messages accepted, counted where they are accepted and only once they are durable. */
@Injectable()
export class IntakeMetrics {
  private readonly acceptedMessages: Counter<'replayed'>;

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
  }

  messagesAccepted(written: number, replayed: number): void {
    if (written > 0) this.acceptedMessages.inc({ replayed: 'false' }, written);
    if (replayed > 0) this.acceptedMessages.inc({ replayed: 'true' }, replayed);
  }
}
