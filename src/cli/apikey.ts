import { IsNull } from 'typeorm';
import { ApiKeysService } from '../auth/api-keys.service';
import { ApiKeyEntity } from '../auth/auth.entities';
import { ConnectorsService } from '../connectors/connectors.service';
import { TypeOrmConnectorRepository } from '../connectors/persistence/typeorm-connector.repository';
import { runMigrationsLocked } from '../database/migrate';
import { parseKey, SecretCipher } from '../secrets/cipher';
import { fail, option, withDatabase } from './context';

const USAGE = `usage:
  npm run apikey -- create --org <organization> [--label <label>]   make a key (printed once)
  npm run apikey -- list --org <organization>                       the organization's keys (never the keys themselves)
  npm run apikey -- revoke --id <key id>                            stop a key from working`;

async function main(): Promise<void> {
  const [command, ...args] = process.argv.slice(2);
  if (!command || !['create', 'list', 'revoke'].includes(command)) fail(USAGE);
  await withDatabase(async (dataSource, config) => {
    await runMigrationsLocked(dataSource);
    const cipher = new SecretCipher(parseKey(config.encryptionKey));
    const connectors = new ConnectorsService(new TypeOrmConnectorRepository(dataSource), cipher);
    const keys = new ApiKeysService(dataSource, (org) => connectors.ensureBuiltins(org));
    switch (command) {
      case 'create': {
        const org = option(args, 'org') ?? fail(USAGE);
        const issued = await keys.issue(org, option(args, 'label') ?? 'cli');
        console.log(`organization: ${issued.organizationId}`);
        console.log(`key id:       ${issued.id}`);
        console.log(`api key:      ${issued.key}`);
        console.log('Keep the key now: it is stored hashed and cannot be shown again.');
        break;
      }
      case 'list': {
        const org = option(args, 'org') ?? fail(USAGE);
        for (const k of await keys.listKeys(org)) {
          const state = k.revokedAt ? `revoked ${k.revokedAt.toISOString()}` : 'active';
          console.log(`${k.id}\t${k.label}\t${k.createdAt.toISOString()}\t${state}`);
        }
        break;
      }
      case 'revoke': {
        const id = option(args, 'id') ?? fail(USAGE);
        const result = await dataSource
          .getRepository(ApiKeyEntity)
          .update({ id, revokedAt: IsNull() }, { revokedAt: new Date() });
        if (!result.affected) fail(`no active key with id ${id}`);
        console.log(`revoked ${id} (a running gateway stops accepting it within 30 seconds)`);
        break;
      }
    }
  });
}

main().catch((error: unknown) => fail(error instanceof Error ? error.message : String(error)));
