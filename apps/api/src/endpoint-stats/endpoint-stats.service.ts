import { IdemConfig } from '@app/config';
import { IdemError } from '@app/core';
import { EndpointRepository, EndpointStatsRepository } from '@app/persistence';
import { Injectable } from '@nestjs/common';
import { ApplicationsService } from '../applications/applications.service';
import { Principal } from '../auth/principal';
import { RequestValidationError } from '../http/request-validation.error';
import { EndpointStatsQuery } from './dto/endpoint-stats-query.dto';
import { EndpointStatsOut, toAttemptSeriesPointOut, toAttemptWindowOut, toEndpointStatsCounts } from './dto/endpoint-stats-out.dto';

const HOUR_MS = 60 * 60 * 1000;
const DAY_MS = 24 * HOUR_MS;
/** Svix counts the last 28 days when no window is given. */
const DEFAULT_WINDOW_MS = 28 * DAY_MS;
const SERIES_HOURS = 24;

/** How an endpoint is doing: Svix's delivery counts, Idem's by its own statuses, and Idem's recent success rates and response times. */
@Injectable()
export class EndpointStatsService {
  constructor(
    private readonly applications: ApplicationsService,
    private readonly endpoints: EndpointRepository,
    private readonly stats: EndpointStatsRepository,
    private readonly config: IdemConfig,
  ) {}

  async get(principal: Principal, appIdOrUid: string, endpointIdOrUid: string, query: EndpointStatsQuery): Promise<EndpointStatsOut> {
    const application = await this.applications.resolve(principal, appIdOrUid);
    const endpoint = await this.endpoints.findByIdOrUid(application.id, endpointIdOrUid);
    if (!endpoint) throw IdemError.notFound('Endpoint');
    const now = new Date();
    const until = query.until ?? now;
    const since = query.since ?? new Date(until.getTime() - DEFAULT_WINDOW_MS);
    if (since.getTime() >= until.getTime()) {
      throw new RequestValidationError([{ loc: ['query', 'since'], msg: 'since must be before until', type: 'value_error' }]);
    }

    // Older messages may be being deleted by the retention cleanup, which the counters do not follow.
    const countedFrom = new Date(now.getTime() - this.config.messageRetentionMs);
    const deliveries = await this.stats.countDeliveriesByStatus(endpoint.id, since, until, countedFrom);
    const [hour, day] = await this.stats.attemptFigures(endpoint.id, [new Date(now.getTime() - HOUR_MS), new Date(now.getTime() - DAY_MS)], countedFrom);
    const currentHour = Math.floor(now.getTime() / HOUR_MS) * HOUR_MS;
    const series = await this.stats.hourlySeries(endpoint.id, new Date(currentHour - (SERIES_HOURS - 1) * HOUR_MS), SERIES_HOURS);
    return {
      ...toEndpointStatsCounts(deliveries),
      windows: { hour: toAttemptWindowOut(hour), day: toAttemptWindowOut(day) },
      series: series.map(toAttemptSeriesPointOut),
    };
  }
}
