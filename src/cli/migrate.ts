import { runMigrationsLocked } from '../database/migrate';
import { fail, withDatabase } from './context';

const USAGE = 'usage: npm run migration:run | migration:revert | migration:show';

async function main(): Promise<void> {
  const command = process.argv[2];
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
      default:
        fail(USAGE);
    }
  });
}

main().catch((error: unknown) => fail(error instanceof Error ? error.message : String(error)));
