import { Global, Inject, Injectable, Logger, Module } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { APP_CONFIG, type RuntimeConfig } from '../config/runtime';
import { BackgroundPurge } from '../database/background-purge';
import { AuditTrail } from './audit';
import { AuditHasher } from './audit-hash';
import { TypeOrmAuditTrail } from './persistence/typeorm-audit-trail';

const DAY_MS = 24 * 60 * 60 * 1000;

/** Entries older than AUDIT_RETENTION_DAYS are purged at start and then every hour, in batches. */
@Injectable()
export class AuditPurge extends BackgroundPurge {
  constructor(
    private readonly trail: AuditTrail,
    @Inject(APP_CONFIG) private readonly config: RuntimeConfig,
  ) {
    super(new Logger('Audit'), 'audit entries past AUDIT_RETENTION_DAYS');
  }

  protected purgeExpired(now: Date): Promise<number> {
    return this.trail.purgeBefore(
      new Date(now.getTime() - this.config.auditRetentionDays * DAY_MS),
    );
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
