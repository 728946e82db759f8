import { Global, Injectable, Logger, Module } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { APP_CONFIG, type RuntimeConfig } from '../config/runtime';
import { BackgroundPurge } from '../database/background-purge';
import { RequestFingerprinter } from './idempotency-key';
import { IdempotencyStore } from './idempotency.store';

/** Expired keys are purged at start and then every hour, in the background. */
@Injectable()
class IdempotencyPurge extends BackgroundPurge {
  constructor(private readonly store: IdempotencyStore) {
    super(new Logger('Idempotency'), 'expired idempotency keys');
  }

  protected purgeExpired(): Promise<number> {
    return this.store.purgeExpired();
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
    IdempotencyPurge,
  ],
  exports: [IdempotencyStore, RequestFingerprinter],
})
export class IdempotencyModule {}
