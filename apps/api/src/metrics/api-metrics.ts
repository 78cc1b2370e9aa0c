import { MetricsRegistry } from '@app/metrics';
import { Injectable } from '@nestjs/common';
import { Counter, Histogram } from 'prom-client';

type HttpLabel = 'method' | 'route' | 'status_class';

/**
 * What this API process did, counted in memory where it happens and read by Prometheus from `/metrics`.
 * Labels take bounded values only: a route's template, never the path with its ids.
 */
@Injectable()
export class ApiMetrics {
  private readonly requests: Counter<HttpLabel>;
  private readonly requestDuration: Histogram<HttpLabel>;

  constructor(registry: MetricsRegistry) {
    const registers = [registry];
    this.requests = new Counter({
      name: 'idem_http_requests_total',
      help: 'HTTP requests answered, by method, route template and status class (2xx, 4xx, ...)',
      labelNames: ['method', 'route', 'status_class'],
      registers,
    });
    this.requestDuration = new Histogram({
      name: 'idem_http_request_duration_seconds',
      help: 'Time from receiving a request to finishing its answer, by method, route template and status class',
      labelNames: ['method', 'route', 'status_class'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    });
  }

  requestAnswered(method: string, route: string, status: number, durationSeconds: number): void {
    const labels = { method, route, status_class: statusClassOf(status) };
    this.requests.inc(labels);
    this.requestDuration.observe(labels, durationSeconds);
  }
}

/** `2xx`, `4xx`, ...: the status's class keeps the label to a handful of values. */
export function statusClassOf(status: number): string {
  return `${Math.floor(status / 100)}xx`;
}
