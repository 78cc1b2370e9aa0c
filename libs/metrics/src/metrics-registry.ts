import { collectDefaultMetrics, Registry } from 'prom-client';

let processMetrics: Registry | undefined;

/**
 * Node's process metrics (CPU, memory, event loop lag, GC), collected once per process: they describe
 * the process, not an application, and each collection starts observers that are never stopped.
 */
function processMetricsRegistry(): Registry {
  if (!processMetrics) {
    processMetrics = new Registry();
    collectDefaultMetrics({ register: processMetrics });
  }
  return processMetrics;
}

/**
 * The metrics of one application instance. prom-client's global registry is not used: two applications
 * built in one process (as the end-to-end tests do) would register the same metric names in it twice.
 */
export class MetricsRegistry extends Registry {
  /** This application's metrics and the process's, in Prometheus' text exposition format. */
  scrape(): Promise<string> {
    return Registry.merge([this, processMetricsRegistry()]).metrics();
  }
}
