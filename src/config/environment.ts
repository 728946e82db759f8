import { ConfigModule } from '@nestjs/config';
import { type AppConfig, loadConfig } from './config';

/**
 * The configuration as the gateway and its CLI read it: the process environment over a `.env`
 * file in the working directory (when there is one), through @nestjs/config, checked by the one
 * validation in `loadConfig`. The variables of `.env` are copied into `process.env` (never over
 * one already set), so the two places agree. Throws `ConfigError` naming every invalid variable.
 */
export async function loadEnvironment(envFilePath = '.env'): Promise<AppConfig> {
  let config: AppConfig | undefined;
  await ConfigModule.forRoot({
    envFilePath,
    validate: (env: Record<string, unknown>) => {
      config = loadConfig(env as NodeJS.ProcessEnv);
      return env;
    },
  });
  if (!config) throw new Error('@nestjs/config did not validate the environment');
  return config;
}
