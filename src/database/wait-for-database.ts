import { Client } from 'pg';

export interface WaitLogger {
  info(fields: object, message: string): void;
  warn(fields: object, message: string): void;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * At start, retries the database with backoff (0.25 s doubling to 5 s) until it answers or
 * `timeoutSeconds` pass, logging each failed attempt (its error code, never the URL). Resolves
 * true when it answered, false when the time ran out.
 */
export async function waitForDatabase(
  url: string,
  timeoutSeconds: number,
  logger: WaitLogger,
): Promise<boolean> {
  const deadline = Date.now() + timeoutSeconds * 1000;
  let delay = 250;
  for (let attempt = 1; ; attempt++) {
    const left = deadline - Date.now();
    const client = new Client({
      connectionString: url,
      connectionTimeoutMillis: Math.max(500, Math.min(5000, left)),
    });
    try {
      await client.connect();
      await client.query('SELECT 1');
      if (attempt > 1) logger.info({ attempt }, 'database reachable');
      return true;
    } catch (error) {
      const code = (error as { code?: unknown }).code;
      const reason = typeof code === 'string' ? code : (error as Error).message;
      const wait = Math.min(delay, Math.max(0, deadline - Date.now()));
      if (Date.now() + wait >= deadline) {
        logger.warn({ attempt, reason }, 'database not reachable');
        return false;
      }
      logger.warn(
        { attempt, reason, retryInMs: wait },
        `database not reachable (attempt ${attempt}): retrying in ${wait} ms`,
      );
      await sleep(wait);
      delay = Math.min(delay * 2, 5000);
    } finally {
      await client.end().catch(() => undefined);
    }
  }
}
