import { MetricsRegistry, MetricsTokenGuard } from '@app/metrics';
import { Controller, Get, Header, UseGuards } from '@nestjs/common';
import { Registry } from 'prom-client';

@Controller('metrics')
export class MetricsController {
  constructor(private readonly registry: MetricsRegistry) {}

  /** This process's metrics in Prometheus' text format; behind `IDEM_METRICS_TOKEN` when it is set. */
  @UseGuards(MetricsTokenGuard)
  @Get()
  @Header('Content-Type', Registry.PROMETHEUS_CONTENT_TYPE)
  scrape(): Promise<string> {
    return this.registry.scrape();
  }
}
