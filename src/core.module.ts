import { Global, Inject, Injectable, Logger, Module, type OnModuleInit } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { AuditHasher } from './audit/audit-hash';
import { ApiKeyGuard } from './auth/api-key.guard';
import { ApiKeysService } from './auth/api-keys.service';
import { APP_CONFIG, type RuntimeConfig } from './config/runtime';
import { ConnectorCredentials, OAuthAccessTokens } from './connector-calls/connector-credentials';
import { ConnectorSearch } from './connector-calls/connector-search';
import { ConnectorsService } from './connectors/connectors.service';
import { ConnectorRepository } from './connectors/domain/connector.repository';
import { TypeOrmConnectorRepository } from './connectors/persistence/typeorm-connector.repository';
import { runMigrationsLocked } from './database/migrate';
import { sqlRunner } from './database/sql-runner';
import { MetricsService } from './metrics/metrics.service';
import { OAuthService } from './oauth/oauth.service';
import { OAuthGrantStatuses } from './oauth/oauth-grant-statuses';
import { OAuthFlowRepository, OAuthGrantRepository } from './oauth/oauth.repositories';
import {
  TypeOrmOAuthFlowRepository,
  TypeOrmOAuthGrantRepository,
} from './oauth/persistence/typeorm-oauth.repositories';
import { TokenClient } from './oauth/token-client';
import { OAuthGrantAccessTokens } from './oauth/oauth-access-tokens';
import { isForbiddenLiteralUrl } from './outbound/address-policy';
import { OutboundHttp } from './outbound/outbound-http';
import { parseKey, SecretCipher } from './secrets/cipher';
import { assertKeysCoverStore } from './secrets/sealed-store';

/** At start: migrations (under the advisory lock), then the configured keys and built-ins. */
@Injectable()
class Startup implements OnModuleInit {
  private readonly logger = new Logger('Startup');

  constructor(
    private readonly dataSource: DataSource,
    private readonly keys: ApiKeysService,
    private readonly connectors: ConnectorsService,
    @Inject(APP_CONFIG) private readonly config: RuntimeConfig,
    private readonly cipher: SecretCipher,
  ) {}

  async onModuleInit(): Promise<void> {
    const applied = await runMigrationsLocked(this.dataSource);
    if (applied.length)
      this.logger.log(`applied migrations: ${applied.map((m) => m.name).join(', ')}`);
    // Fail closed: a secret sealed under a key this configuration lacks stops the start.
    for (const key of await assertKeysCoverStore(sqlRunner(this.dataSource), this.cipher)) {
      if (key.state === 'previous' && key.values > 0)
        this.logger.warn(
          `${key.values} sealed values still use the previous key ${key.keyId}: ` +
            'run `npm run secrets -- reseal` before removing it',
        );
    }
    for (const { organizationId, key } of this.config.apiKeys) {
      await this.keys.register(organizationId, key, 'GATEWAY_API_KEYS');
    }
    // Organizations made before a catalog entry existed get it now.
    for (const organizationId of await this.keys.organizationIds()) {
      await this.connectors.ensureBuiltins(organizationId);
    }
  }
}

/** The domain and its adapters, shared by every dialect module. */
@Global()
@Module({
  providers: [
    {
      provide: SecretCipher,
      inject: [APP_CONFIG],
      useFactory: (config: RuntimeConfig) =>
        new SecretCipher(
          parseKey(config.encryptionKey),
          config.previousEncryptionKeys.map(parseKey),
        ),
    },
    {
      provide: ConnectorRepository,
      inject: [DataSource, APP_CONFIG],
      useFactory: (dataSource: DataSource, config: RuntimeConfig) =>
        new TypeOrmConnectorRepository(dataSource, {
          // PGlite serves every connection from its one session: names would collide there.
          preparedStatements: config.database.preparedStatements && !config.embedded,
        }),
    },
    {
      provide: ConnectorsService,
      inject: [ConnectorRepository, SecretCipher, APP_CONFIG, OAuthGrantRepository, AuditHasher],
      useFactory: (
        repo: ConnectorRepository,
        cipher: SecretCipher,
        config: RuntimeConfig,
        grants: OAuthGrantRepository,
        auditHasher: AuditHasher,
      ) =>
        new ConnectorsService(
          repo,
          cipher,
          undefined,
          { refuses: (url) => !config.outboundAllowPrivate && isForbiddenLiteralUrl(url) },
          new OAuthGrantStatuses(grants),
          auditHasher,
        ),
    },
    {
      provide: ApiKeysService,
      inject: [DataSource, ConnectorsService, APP_CONFIG],
      useFactory: (dataSource: DataSource, connectors: ConnectorsService, config: RuntimeConfig) =>
        new ApiKeysService(dataSource, (org) => connectors.ensureBuiltins(org), config.clock),
    },
    {
      provide: OAuthFlowRepository,
      inject: [DataSource],
      useFactory: (dataSource: DataSource) => new TypeOrmOAuthFlowRepository(dataSource),
    },
    {
      provide: OAuthGrantRepository,
      inject: [DataSource],
      useFactory: (dataSource: DataSource) => new TypeOrmOAuthGrantRepository(dataSource),
    },
    {
      provide: OAuthService,
      inject: [
        ConnectorsService,
        OAuthFlowRepository,
        OAuthGrantRepository,
        OutboundHttp,
        SecretCipher,
        APP_CONFIG,
        AuditHasher,
        { token: MetricsService, optional: true },
      ],
      useFactory: (
        connectors: ConnectorsService,
        flows: OAuthFlowRepository,
        grants: OAuthGrantRepository,
        http: OutboundHttp,
        cipher: SecretCipher,
        config: RuntimeConfig,
        auditHasher: AuditHasher,
        metrics?: MetricsService,
      ) =>
        new OAuthService(
          connectors,
          flows,
          grants,
          // Token exchanges and refreshes counted by outcome (oauth_token_requests_total).
          new TokenClient(http, config.oauthTokenTimeoutMs, (kind, outcome) =>
            metrics?.oauthTokenRequest(kind, outcome),
          ),
          cipher,
          // AuditModule's hasher: grant entries fingerprint tokens.
          { publicUrl: config.publicUrl, auditHasher },
        ),
    },
    {
      provide: OutboundHttp,
      inject: [APP_CONFIG],
      useFactory: (config: RuntimeConfig) =>
        new OutboundHttp({
          allowPrivate: config.outboundAllowPrivate,
          defaultTimeoutMs: config.outboundTimeoutMs,
          defaultMaxBytes: config.outboundMaxBytes,
        }),
    },
    // The calling key's access tokens, refreshed when due, for calls to OAuth connectors.
    {
      provide: OAuthAccessTokens,
      inject: [OAuthService],
      useFactory: (oauth: OAuthService) => new OAuthGrantAccessTokens(oauth),
    },
    {
      provide: ConnectorCredentials,
      inject: [ConnectorsService, OAuthAccessTokens],
      useFactory: (connectors: ConnectorsService, oauth: OAuthAccessTokens) =>
        new ConnectorCredentials(connectors, oauth),
    },
    {
      provide: ConnectorSearch,
      inject: [ConnectorsService, ConnectorCredentials, OutboundHttp],
      useFactory: (
        connectors: ConnectorsService,
        credentials: ConnectorCredentials,
        http: OutboundHttp,
      ) => new ConnectorSearch(connectors, credentials, http),
    },
    ApiKeyGuard,
    Startup,
  ],
  exports: [
    SecretCipher,
    ConnectorsService,
    ApiKeysService,
    OAuthService,
    ApiKeyGuard,
    OutboundHttp,
    ConnectorSearch,
  ],
})
export class CoreModule {}
