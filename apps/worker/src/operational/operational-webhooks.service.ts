import { IdemConfig } from '@app/config';
import { DEFAULT_PAYLOAD_RETENTION_HOURS, IdempotencyMode, newId, SecretDecryptionError } from '@app/core';
import { MessageIntake } from '@app/intake';
import { ApplicationRepository, EndpointRepository, UnitOfWork } from '@app/persistence';
import { Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { isSagaEvent, OperationalEvent, OperationalEventType } from './operational-event';

/** The application that holds Idem's own operational webhooks, found by this uid. */
export const OPERATIONAL_APP_UID = 'idem-operational';
const OPERATIONAL_ENDPOINT_UID = 'operator';

/**
 * Tells an operator what happens to deliveries, with Svix's event names and payloads. The events are
 * ordinary messages of an internal application whose one endpoint is IDEM_OPERATIONAL_WEBHOOK_URL, so
 * they are signed, retried and logged like any other, and written in the transaction of the change
 * they report.
 */
@Injectable()
export class OperationalWebhooks implements OnApplicationBootstrap {
  private readonly logger = new Logger(OperationalWebhooks.name);
  private target: { appId: string; endpointId: string } | null = null;

  constructor(
    private readonly config: IdemConfig,
    private readonly applications: ApplicationRepository,
    private readonly endpoints: EndpointRepository,
    private readonly intake: MessageIntake,
    private readonly unitOfWork: UnitOfWork,
  ) {}

  /** Creates (or points at the configured URL and secret) the operational application and endpoint. */
  async onApplicationBootstrap(): Promise<void> {
    const { operationalWebhookUrl: url, operationalWebhookSecret: secret } = this.config;
    if (!url || !secret) return;
    this.target = await this.unitOfWork.run(async () => {
      await this.applications.insertUnlessUidTaken(newId('application'), { name: 'Idem operational webhooks', uid: OPERATIONAL_APP_UID, rateLimit: null, metadata: {}, idempotencyMode: IdempotencyMode.Enforce });
      const application = (await this.applications.findByIdOrUid(OPERATIONAL_APP_UID))!;
      const fields = { uid: OPERATIONAL_ENDPOINT_UID, url, description: 'IDEM_OPERATIONAL_WEBHOOK_URL', version: 1, rateLimit: null, disabled: false, filterTypes: null, channels: null, metadata: {} };
      let endpoint = await this.endpoints.insertUnlessUidTaken(newId('endpoint'), application.id, fields);
      endpoint ??= await this.endpoints.update((await this.endpoints.findByIdOrUid(application.id, OPERATIONAL_ENDPOINT_UID))!, { url, disabled: false });
      await this.endpoints.lock(endpoint.id);
      if ((await this.currentSecretOrNull(endpoint.id)) !== secret) {
        await this.endpoints.retireCurrentSecret(endpoint.id, new Date(), new Date());
        await this.endpoints.addSecret(newId('endpointSecret'), endpoint.id, secret);
      }
      return { appId: application.id, endpointId: endpoint.id };
    });
    this.logger.log(`operational webhooks go to ${url}`);
  }

  /** The configured secret is the truth: one stored that no key can read any more is simply replaced. */
  private async currentSecretOrNull(endpointId: string): Promise<string | null> {
    try {
      return await this.endpoints.findCurrentSecret(endpointId);
    } catch (error) {
      if (error instanceof SecretDecryptionError) return null;
      throw error;
    }
  }

  /** True for deliveries of the operational application itself, which never report on themselves. */
  isOperational(appId: string): boolean {
    return this.target?.appId === appId;
  }

  /** Writes the events as messages in the caller's transaction, through the one intake; they are enqueued once it commits. */
  async emit(events: readonly OperationalEvent[], uids: ReadonlyMap<string, string | null>): Promise<void> {
    const target = this.target;
    if (!target || events.length === 0) return;
    const [outcome] = await this.intake.acceptInTransaction([
      {
        application: target.appId,
        onlyApplicationId: null,
        messages: events.map((event) => ({
          eventType: event.type,
          eventId: null,
          payload: payloadOf(event, uids),
          channels: null,
          payloadRetentionHours: DEFAULT_PAYLOAD_RETENTION_HOURS,
        })),
      },
    ]);
    const refused = outcome.kind === 'refused' ? [outcome.error] : outcome.kind === 'written' ? outcome.results.flatMap((result) => (result.kind === 'refused' ? [result.error] : [])) : [];
    for (const error of refused) this.logger.warn(`operational webhook not written: ${error.detail}`);
  }
}

/** Svix's payload: `{type, timestamp, data}`; `uids` maps application, endpoint and message ids to uids and event ids. */
function payloadOf(event: OperationalEvent, uids: ReadonlyMap<string, string | null>): Record<string, unknown> {
  const timestamp = new Date().toISOString();
  if (isSagaEvent(event)) {
    return { type: event.type, timestamp, data: { appId: event.appId, appUid: uids.get(event.appId) ?? null, id: event.id, sagaId: event.sagaId } };
  }
  if (event.type === OperationalEventType.EndpointDisabled) {
    return {
      type: event.type,
      timestamp,
      data: {
        appId: event.appId,
        appUid: uids.get(event.appId) ?? null,
        endpointId: event.endpointId,
        endpointUid: uids.get(event.endpointId) ?? null,
        failSince: event.failSince?.toISOString() ?? null,
        trigger: 'automatic',
      },
    };
  }
  return {
    type: event.type,
    timestamp,
    data: {
      appId: event.appId,
      appUid: uids.get(event.appId) ?? null,
      msgId: event.messageId,
      msgEventId: uids.get(event.messageId) ?? null,
      endpointId: event.endpointId,
      lastAttempt: { id: event.attemptId, responseStatusCode: event.responseStatusCode, timestamp: event.attemptedAt.toISOString() },
    },
  };
}
