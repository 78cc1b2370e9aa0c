import { IdempotencyFindingKind } from '@app/core';
import { IdempotencyFindingRepository } from '@app/persistence';
import { Injectable } from '@nestjs/common';
import { ApplicationsService } from '../applications/applications.service';
import { Principal } from '../auth/principal';
import { IdempotencyReportOut, IdempotencyReportQuery, toIdempotencyFindingOut } from './dto/idempotency-report.dto';

const DEFAULT_WINDOW_MS = 24 * 60 * 60 * 1000;
const DEFAULT_SAMPLES = 20;

@Injectable()
export class IdempotencyReportService {
  constructor(
    private readonly applications: ApplicationsService,
    private readonly findings: IdempotencyFindingRepository,
  ) {}

  async get(principal: Principal, appIdOrUid: string, query: IdempotencyReportQuery): Promise<IdempotencyReportOut> {
    const application = await this.applications.resolve(principal, appIdOrUid);
    const since = query.since ?? new Date(Date.now() - DEFAULT_WINDOW_MS);
    const { counts, samples } = await this.findings.report(application.id, since, query.samples ?? DEFAULT_SAMPLES);
    return {
      idempotencyMode: application.idempotencyMode,
      since: since.toISOString(),
      counts: {
        replay: counts[IdempotencyFindingKind.Replay],
        conflict: counts[IdempotencyFindingKind.Conflict],
        sendTimeKey: counts[IdempotencyFindingKind.SendTimeKey],
      },
      samples: samples.map(toIdempotencyFindingOut),
    };
  }
}
