import {
  Global,
  Injectable,
  Logger,
  Module,
  type OnApplicationBootstrap,
  type OnModuleDestroy,
} from '@nestjs/common';
import { DataSource } from 'typeorm';
import { APP_CONFIG, type RuntimeConfig } from '../config/runtime';
import { RequestFingerprinter } from './idempotency-key';
import { IdempotencyInterceptor } from './idempotency.interceptor';
import { IdempotencyStore } from './idempotency.store';

const PURGE_EVERY_MS = 60 * 60 * 1000;

/** Expired keys are purged at start and then every hour, in the background. */
@Injectable()
class IdempotencyPurge implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('Idempotency');
  private timer?: NodeJS.Timeout;

  constructor(private readonly store: IdempotencyStore) {}

  onApplicationBootstrap(): void {
    void this.purge();
    this.timer = setInterval(() => void this.purge(), PURGE_EVERY_MS);
    this.timer.unref();
  }

  onModuleDestroy(): void {
    clearInterval(this.timer);
  }

  private async purge(): Promise<void> {
    try {
      const purged = await this.store.purgeExpired();
      if (purged) this.logger.log(`purged ${purged} expired idempotency keys`);
    } catch (error) {
      this.logger.warn(`idempotency key purge failed: ${(error as Error).message}`);
    }
  }
}

/** Idempotent creates for every dialect (`@Idempotent()` on a create route). */
@Global()
@Module({
  providers: [
    {
      provide: IdempotencyStore,
      inject: [DataSource],
      useFactory: (dataSource: DataSource) => new IdempotencyStore(dataSource),
    },
    {
      provide: RequestFingerprinter,
      inject: [APP_CONFIG],
      useFactory: (config: RuntimeConfig) =>
        new RequestFingerprinter(Buffer.from(config.encryptionKey, 'base64')),
    },
    IdempotencyInterceptor,
    IdempotencyPurge,
  ],
  exports: [IdempotencyStore, RequestFingerprinter, IdempotencyInterceptor],
})
export class IdempotencyModule {}
