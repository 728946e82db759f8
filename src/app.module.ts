import { type DynamicModule, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AuditModule } from './audit/audit.module';
import { APP_CONFIG, type RuntimeConfig } from './config/runtime';
import { CoreModule } from './core.module';
import { typeOrmOptions } from './database/typeorm-options';
import { DIALECTS } from './dialects';
import { HealthModule } from './health/health.module';
import { IdempotencyModule } from './idempotency/idempotency.module';
import { RateLimitModule } from './http/throttling';
import { MetricsModule } from './metrics/metrics.module';

@Module({})
export class AppModule {
  static forRoot(config: RuntimeConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [
        TypeOrmModule.forRoot({
          // PGlite serves every connection from one session: no other session can hold a lock,
          // and it ignores startup parameters, so the statement limits apply to a real server.
          ...typeOrmOptions(
            config.databaseUrl,
            config.schema,
            config.embedded
              ? { ...config.database, statementTimeoutMs: 0, lockTimeoutMs: 0 }
              : config.database,
          ),
          retryAttempts: 3,
          retryDelay: 1000,
        }),
        {
          module: ConfigHolder,
          global: true,
          providers: [{ provide: APP_CONFIG, useValue: config }],
          exports: [APP_CONFIG],
        },
        CoreModule,
        AuditModule,
        IdempotencyModule,
        HealthModule,
        RateLimitModule,
        MetricsModule,
        ...DIALECTS.map((d) => d.module),
      ],
    };
  }
}

@Module({})
class ConfigHolder {}
