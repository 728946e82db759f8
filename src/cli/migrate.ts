import { runMigrationsLocked } from '../database/migrate';
import { HelpRequested, parseOptions, UsageError, withDatabase } from './context';

export const MIGRATE_USAGE = `usage: connector-gateway migrate <command>

commands:
  run      apply the pending migrations (under the same advisory lock as the gateway's start)
  revert   undo the last applied migration
  show     say whether migrations are pending

The gateway also migrates by itself at start.`;

/** `connector-gateway migrate run|revert|show` */
export async function runMigrate(argv: string[]): Promise<void> {
  const [command, ...args] = argv;
  if (command === undefined) throw new UsageError('no command given', MIGRATE_USAGE);
  if (command === '--help' || command === '-h' || command === 'help')
    throw new HelpRequested(MIGRATE_USAGE);
  if (!['run', 'revert', 'show'].includes(command))
    throw new UsageError(`unknown command: migrate ${command}`, MIGRATE_USAGE);
  parseOptions(args, {}, MIGRATE_USAGE);
  await withDatabase(async (dataSource) => {
    switch (command) {
      case 'run': {
        const applied = await runMigrationsLocked(dataSource);
        console.log(
          applied.length ? `applied: ${applied.map((m) => m.name).join(', ')}` : 'up to date',
        );
        break;
      }
      case 'revert':
        await dataSource.undoLastMigration({ transaction: 'each' });
        console.log('reverted the last migration');
        break;
      case 'show': {
        const pending = await dataSource.showMigrations();
        console.log(pending ? 'there are pending migrations' : 'up to date');
        break;
      }
    }
  });
}
