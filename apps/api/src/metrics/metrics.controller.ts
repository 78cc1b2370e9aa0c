import { MetricsRegistry, MetricsTokenGuard } from '@app/metrics';
import { Controller, Get, Header, UseGuards } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { Registry } from 'prom-client';
import { Public } from '../auth/public.decorator';

/** Outside `/api/v1` and the OpenAPI document: it is for Prometheus, not part of the Svix-compatible API. */
@ApiExcludeController()
@Controller('metrics')
export class MetricsController {
  constructor(private readonly registry: MetricsRegistry) {}

  /**
   * This process's metrics in Prometheus' text format. It needs no API token; with `IDEM_METRICS_TOKEN`
   * set it needs that one instead.
   */
  @Public()
  @UseGuards(MetricsTokenGuard)
  @Get()
  @Header('Content-Type', Registry.PROMETHEUS_CONTENT_TYPE)
  scrape(): Promise<string> {
    return this.registry.scrape();
  }
}
