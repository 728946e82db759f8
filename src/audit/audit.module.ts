import {
  Global,
  Injectable,
  Logger,
  Module,
  type OnApplicationBootstrap,
  type OnModuleDestroy,
  Inject,
} from '@nestjs/common';
import { APP_INTERCEPTOR } from '@nestjs/core';
import { DataSource } from 'typeorm';
import { APP_CONFIG, type RuntimeConfig } from '../config/runtime';
import { AuditTrail } from './audit';
import { AuditHasher } from './audit-hash';
import { TypeOrmAuditTrail } from './persistence/typeorm-audit-trail';
import { RequestContextInterceptor } from './request-context.interceptor';

const PURGE_EVERY_MS = 60 * 60 * 1000;
const DAY_MS = 24 * 60 * 60 * 1000;

/** Entries older than AUDIT_RETENTION_DAYS are purged at start and then every hour, in batches. */
@Injectable()
export class AuditPurge implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('Audit');
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly trail: AuditTrail,
    @Inject(APP_CONFIG) private readonly config: RuntimeConfig,
  ) {}

  onApplicationBootstrap(): void {
    void this.purge();
    this.timer = setInterval(() => void this.purge(), PURGE_EVERY_MS);
    this.timer.unref();
  }

  onModuleDestroy(): void {
    clearInterval(this.timer);
  }

  /** One purge now; returns how many entries went (0 when the purge failed: it is logged). */
  async purge(now = new Date()): Promise<number> {
    try {
      const before = new Date(now.getTime() - this.config.auditRetentionDays * DAY_MS);
      const purged = await this.trail.purgeBefore(before);
      if (purged)
        this.logger.log(`purged ${purged} audit entries older than ${before.toISOString()}`);
      return purged;
    } catch (error) {
      this.logger.warn(`audit purge failed: ${(error as Error).message}`);
      return 0;
    }
  }
}

/**
 * The audit trail (src/audit): the hasher that fingerprints secrets, the reads, and the purge.
 * Entries are written by the writers themselves, inside their transactions (`writeAuditEntry`).
 */
@Global()
@Module({
  providers: [
    {
      provide: AuditTrail,
      inject: [DataSource],
      useFactory: (dataSource: DataSource) => new TypeOrmAuditTrail(dataSource),
    },
    {
      provide: AuditHasher,
      inject: [APP_CONFIG],
      useFactory: (config: RuntimeConfig) => auditHasherFor(config),
    },
    AuditPurge,
    { provide: APP_INTERCEPTOR, useClass: RequestContextInterceptor },
  ],
  exports: [AuditTrail, AuditHasher, AuditPurge],
})
export class AuditModule {}

/** The hasher of a configuration: the primary encryption key hashes, every key verifies. */
export function auditHasherFor(
  config: Pick<RuntimeConfig, 'encryptionKey' | 'previousEncryptionKeys'>,
): AuditHasher {
  return new AuditHasher(
    [config.encryptionKey, ...config.previousEncryptionKeys].map((k) => Buffer.from(k, 'base64')),
  );
}
