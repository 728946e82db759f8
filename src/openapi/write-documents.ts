import 'reflect-metadata';
import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { AppModule } from '../app.module';
import { loadConfig } from '../config/config';
import { DIALECTS } from '../dialects';
import { canonicalJson } from './canonical-json';
import { buildOpenApiDocuments } from './openapi-documents';

/**
 * The text of every dialect's document, by dialect name, as the gateway serves it at
 * /docs/<dialect>.json. The application is built in Nest's preview mode (modules and routes,
 * no provider instantiated), so no database is needed.
 */
export async function generateDocuments(): Promise<Map<string, string>> {
  // Never connected to: preview mode makes no provider, so no pool and no key are used.
  const config = {
    ...loadConfig({ LOG_LEVEL: 'silent' }),
    databaseUrl: 'postgres://openapi.invalid/none',
    encryptionKey: 'unused',
    embedded: false,
  };
  const app = await NestFactory.create<NestFastifyApplication>(
    AppModule.forRoot(config),
    new FastifyAdapter(),
    { preview: true, logger: false, abortOnError: false },
  );
  try {
    const texts = new Map<string, string>();
    for (const { dialect, document } of buildOpenApiDocuments(app, DIALECTS)) {
      texts.set(dialect.name, canonicalJson(document));
    }
    return texts;
  } finally {
    await app.close();
  }
}

/**
 * `npm run openapi`: writes openapi/<dialect>.json. test/openapi.e2e-spec.ts fails when the
 * served documents and the committed ones differ.
 */
async function main(): Promise<void> {
  const outDir = resolve(process.argv[2] ?? 'openapi');
  await mkdir(outDir, { recursive: true });
  for (const [name, text] of await generateDocuments()) {
    const file = join(outDir, `${name}.json`);
    await writeFile(file, text);
    console.log(`wrote ${file}`);
  }
}

if (require.main === module) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}
