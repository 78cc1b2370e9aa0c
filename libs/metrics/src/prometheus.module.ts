import { Module } from '@nestjs/common';
import { MetricsRegistry } from './metrics-registry';
import { MetricsTokenGuard } from './metrics-token.guard';

/**
 * prom-client behind Nest: each application instance gets its own `MetricsRegistry`, on which the
 * application's metric classes register what they count, and the guard its `/metrics` route uses.
 */
@Module({
  providers: [{ provide: MetricsRegistry, useFactory: () => new MetricsRegistry() }, MetricsTokenGuard],
  exports: [MetricsRegistry, MetricsTokenGuard],
})
export class PrometheusModule {}
