import { Logger } from '@nestjs/common';

/**
 * Runs `tick` every `intervalMs`, one run at a time, until stopped. A failed run is logged and the next
 * one goes ahead: these tasks repair and trim state, and a database blip must not end them for good.
 */
export class PeriodicTask {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopped = false;

  constructor(
    private readonly name: string,
    private readonly intervalMs: number,
    private readonly tick: () => Promise<void>,
    private readonly logger = new Logger(name),
  ) {}

  start(): void {
    this.stopped = false;
    this.schedule();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.running = this.tick()
        .catch((error) => this.logger.error({ err: error }, `${this.name} failed; trying again in ${this.intervalMs} ms`))
        .finally(() => this.schedule());
    }, this.intervalMs);
  }
}
