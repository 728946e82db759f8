import { IsNull } from 'typeorm';
import { ApiKeysService } from '../auth/api-keys.service';
import { ApiKeyEntity } from '../auth/auth.entities';
import { ConnectorsService } from '../connectors/connectors.service';
import { TypeOrmConnectorRepository } from '../connectors/persistence/typeorm-connector.repository';
import { runMigrationsLocked } from '../database/migrate';
import { parseKey, SecretCipher } from '../secrets/cipher';
import { HelpRequested, parseOptions, UsageError, withDatabase } from './context';

export const APIKEY_USAGE = `usage: connector-gateway apikey <command> [options]

commands:
  create --org <organization> [--label <label>]   make a key for the organization (printed once)
  list --org <organization>                       the organization's keys (ids and labels, never the keys)
  revoke --id <key id>                            stop a key from working

  connector-gateway apikey <command> --help       one command's options`;

const USAGE = {
  create: `usage: connector-gateway apikey create --org <organization> [--label <label>]

Makes an API key for the organization (created with its built-in connectors if new) and prints it
once: it is stored hashed and cannot be shown again.

options:
  --org <organization>   the organization the key acts for (required)
  --label <label>        a note to tell keys apart in \`apikey list\` (default: cli)`,
  list: `usage: connector-gateway apikey list --org <organization>

Lists the organization's keys, one per line: id, label, creation time, state. Never the keys.

options:
  --org <organization>   the organization (required)`,
  revoke: `usage: connector-gateway apikey revoke --id <key id>

Revokes a key: a running gateway stops accepting it within 30 seconds.

options:
  --id <key id>          the key's id, as \`apikey create\` and \`apikey list\` show it (required)`,
};

/** `connector-gateway apikey ...` */
export async function runApikey(argv: string[]): Promise<void> {
  const [command, ...args] = argv;
  if (command === undefined) throw new UsageError('no command given', APIKEY_USAGE);
  if (command === '--help' || command === '-h' || command === 'help')
    throw new HelpRequested(APIKEY_USAGE);
  switch (command) {
    case 'create': {
      const { org, label } = parseOptions(
        args,
        { org: { type: 'string' }, label: { type: 'string' } },
        USAGE.create,
        ['org'],
      );
      return withKeys(async (keys) => {
        const issued = await keys.issue(org as string, label ?? 'cli');
        console.log(`organization: ${issued.organizationId}`);
        console.log(`key id:       ${issued.id}`);
        console.log(`api key:      ${issued.key}`);
        console.log('Keep the key now: it is stored hashed and cannot be shown again.');
      });
    }
    case 'list': {
      const { org } = parseOptions(args, { org: { type: 'string' } }, USAGE.list, ['org']);
      return withKeys(async (keys) => {
        for (const k of await keys.listKeys(org as string)) {
          const state = k.revokedAt ? `revoked ${k.revokedAt.toISOString()}` : 'active';
          console.log(`${k.id}\t${k.label}\t${k.createdAt.toISOString()}\t${state}`);
        }
      });
    }
    case 'revoke': {
      const { id } = parseOptions(args, { id: { type: 'string' } }, USAGE.revoke, ['id']);
      return withDatabase(async (dataSource) => {
        await runMigrationsLocked(dataSource);
        const result = await dataSource
          .getRepository(ApiKeyEntity)
          .update({ id: id as string, revokedAt: IsNull() }, { revokedAt: new Date() });
        if (!result.affected) throw new Error(`no active key with id ${id}`);
        console.log(`revoked ${id} (a running gateway stops accepting it within 30 seconds)`);
      });
    }
    default:
      throw new UsageError(`unknown command: apikey ${command}`, APIKEY_USAGE);
  }
}

/** The key service on the configured database (migrated first, like the gateway at start). */
function withKeys(fn: (keys: ApiKeysService) => Promise<void>): Promise<void> {
  return withDatabase(async (dataSource, config) => {
    await runMigrationsLocked(dataSource);
    const cipher = new SecretCipher(parseKey(config.encryptionKey));
    const connectors = new ConnectorsService(new TypeOrmConnectorRepository(dataSource), cipher);
    await fn(new ApiKeysService(dataSource, (org) => connectors.ensureBuiltins(org)));
  });
}
