import type { Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';

const EVERY_MS = 60 * 60 * 1000;

/**
 * A purge of what has outlived its retention, run at start and then every hour in the background
 * (the timer never holds the process open). A failed run is logged and the next one tries again.
 * A subclass says what it purges; `purge()` runs it once now.
 */
export abstract class BackgroundPurge implements OnApplicationBootstrap, OnModuleDestroy {
  private timer?: NodeJS.Timeout;

  /** `what`: the rows purged, as the log lines name them ("expired idempotency keys"). */
  protected constructor(
    private readonly logger: Logger,
    private readonly what: string,
  ) {}

  /** Deletes what has expired at `now`; returns how many rows went. */
  protected abstract purgeExpired(now: Date): Promise<number>;

  onApplicationBootstrap(): void {
    void this.purge();
    this.timer = setInterval(() => void this.purge(), EVERY_MS);
    this.timer.unref();
  }

  onModuleDestroy(): void {
    clearInterval(this.timer);
  }

  /** One purge now; returns how many rows went (0 when it failed: that is logged). */
  async purge(now = new Date()): Promise<number> {
    try {
      const purged = await this.purgeExpired(now);
      if (purged) this.logger.log(`purged ${purged} ${this.what}`);
      return purged;
    } catch (error) {
      this.logger.warn(`purge of ${this.what} failed: ${(error as Error).message}`);
      return 0;
    }
  }
}
