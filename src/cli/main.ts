#!/usr/bin/env node
import 'reflect-metadata';
import { createRequire } from 'node:module';
import { APIKEY_USAGE, runApikey } from './apikey';
import { AUDIT_USAGE, runAudit } from './audit';
import { HelpRequested, UsageError } from './context';
import { MIGRATE_USAGE, runMigrate } from './migrate';

/**
 * `connector-gateway`: the one command-line tool (package.json `bin`), run from the built `dist/`
 * with no build step, on the gateway's own configuration (environment over `.env`). In the Docker
 * image: `docker compose exec gateway connector-gateway apikey create --org acme`.
 */
interface Command {
  summary: string;
  run(argv: string[]): Promise<void>;
}

const secrets = optionalCommand('./secrets', 'runSecrets');

const COMMANDS: Record<string, Command> = {
  apikey: { summary: 'make, list and revoke API keys', run: runApikey },
  migrate: { summary: 'run, revert or show the database migrations', run: runMigrate },
  audit: {
    summary: "an organization's audit trail as JSON lines; check a secret's fingerprint",
    run: (argv) => runAudit(argv),
  },
  ...(secrets
    ? {
        secrets: {
          summary: 'check and re-seal the stored secrets after a key rotation',
          run: secrets,
        },
      }
    : {}),
};

const USAGE = `usage: connector-gateway <command> [options]

commands:
${Object.entries(COMMANDS)
  .map(([name, c]) => `  ${name.padEnd(10)}${c.summary}`)
  .join('\n')}

  connector-gateway <command> --help    a command's usage

Configuration is the gateway's: environment variables, over a .env file in the working directory.`;

/** A command whose module may not be part of this build: listed only when it is. */
function optionalCommand(
  path: string,
  name: string,
): ((argv: string[]) => Promise<void>) | undefined {
  try {
    const loaded = (createRequire(__filename)(path) as Record<string, unknown>)[name];
    if (typeof loaded === 'function') return loaded as (argv: string[]) => Promise<void>;
  } catch (error) {
    if ((error as { code?: string }).code !== 'MODULE_NOT_FOUND') throw error;
  }
  return undefined;
}

async function main(argv: string[]): Promise<void> {
  const [name, ...rest] = argv;
  if (name === undefined) throw new UsageError('no command given', USAGE);
  if (name === '--help' || name === '-h' || name === 'help') {
    const topic = name === 'help' ? rest[0] : undefined;
    if (topic === 'apikey') throw new HelpRequested(APIKEY_USAGE);
    if (topic === 'migrate') throw new HelpRequested(MIGRATE_USAGE);
    if (topic === 'audit') throw new HelpRequested(AUDIT_USAGE);
    if (topic && COMMANDS[topic]) return COMMANDS[topic].run(['--help']);
    throw new HelpRequested(USAGE);
  }
  const command = COMMANDS[name];
  if (!command) throw new UsageError(`unknown command: ${name}`, USAGE);
  await command.run(rest);
}

main(process.argv.slice(2)).then(
  () => process.exit(0),
  (error: unknown) => {
    if (error instanceof HelpRequested) {
      console.log(error.usage);
      process.exit(0);
    }
    if (error instanceof UsageError) {
      console.error(`error: ${error.message}\n\n${error.usage}`);
      process.exit(2);
    }
    console.error(`error: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  },
);
