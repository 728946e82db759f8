/**
 * The database (or the gateway itself) cannot serve the request right now: a statement or a lock
 * wait ran past its timeout, no pool connection came free in time, the database is unreachable or
 * restarting, or the gateway is shutting down. Every dialect answers it 503 with `Retry-After`:
 * the request may be sent again as it is.
 */
export class ServiceUnavailableError extends Error {
  constructor(
    message: string,
    /** Seconds, for the `Retry-After` header. */
    readonly retryAfterSeconds: number,
  ) {
    super(message);
    this.name = 'ServiceUnavailableError';
  }
}

/** PostgreSQL SQLSTATEs that say "not now", not "not this request". */
const BUSY = new Set(['57014', '55P03']); // query_canceled (statement_timeout), lock_not_available
const DOWN = new Set([
  '57P01', // admin_shutdown
  '57P02', // crash_shutdown
  '57P03', // cannot_connect_now (starting up, recovering)
  '53300', // too_many_connections
  '53400', // configuration_limit_exceeded
]);
/** Node's socket errors on the way to the database. */
const NETWORK = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
]);
/** node-postgres and TypeORM say these in words only. */
const MESSAGES = [
  /^timeout exceeded when trying to connect$/i, // pool acquire timeout
  /^Connection terminated/i,
  /^Client has encountered a connection error and is not queryable$/i,
  /^Cannot use a pool after calling end on the pool$/i,
  /^Client was closed and is not queryable$/i,
  /^Query read timeout$/i,
];

/**
 * The infrastructure error behind `exception`, if that is what it is; null for everything else
 * (a constraint violation, a bug) so those keep their own status. Looks through TypeORM's
 * QueryFailedError (`driverError`) and `cause`.
 */
export function asServiceUnavailable(exception: unknown): ServiceUnavailableError | null {
  const seen = new Set<unknown>();
  let current: unknown = exception;
  while (current && typeof current === 'object' && !seen.has(current)) {
    seen.add(current);
    if (current instanceof ServiceUnavailableError) return current;
    const { code, message } = current as { code?: unknown; message?: unknown };
    if (typeof code === 'string') {
      if (BUSY.has(code)) return new ServiceUnavailableError('the database is busy: try again', 1);
      if (DOWN.has(code) || code.startsWith('08') || NETWORK.has(code)) {
        return new ServiceUnavailableError('the database is unavailable: try again', 5);
      }
    }
    if (typeof message === 'string' && MESSAGES.some((m) => m.test(message))) {
      return new ServiceUnavailableError('the database is unavailable: try again', 2);
    }
    const next = current as { driverError?: unknown; cause?: unknown };
    current = next.driverError ?? next.cause;
  }
  return null;
}
