import { Controller, Get, ServiceUnavailableException } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { DataSource } from 'typeorm';
import { RateLimitStore } from '../http/rate-limit-store';

/** A check answers within this, whatever the pool or Redis are doing. */
export const HEALTH_CHECK_TIMEOUT_MS = 1000;

type State = 'up' | 'down';

export interface HealthBody {
  /** `degraded`: serving, but an optional dependency (Redis) is down. */
  status: 'ok' | 'degraded' | 'error';
  info: Record<string, { status: 'up' }>;
  error: Record<string, { status: 'down' }>;
  details: Record<string, { status: State }>;
}

function within<T>(promise: Promise<T>, ms: number): Promise<T | 'timeout'> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    promise,
    new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), ms))),
  ]).finally(() => clearTimeout(timer));
}

/**
 * Probes, without an API key and never rate limited. Bodies say up or down per dependency and
 * nothing else: no driver message, host or port.
 */
@ApiTags('health')
@Controller('health')
export class HealthController {
  constructor(
    private readonly dataSource: DataSource,
    private readonly rateLimits: RateLimitStore,
  ) {}

  @Get('live')
  @ApiOperation({ summary: '200 while the process runs. Checks no dependency.' })
  live(): { status: 'ok' } {
    return { status: 'ok' };
  }

  @Get('ready')
  @ApiOperation({
    summary:
      '200 when the database answers (status "degraded" if Redis, which only shares rate limits, does not); 503 otherwise.',
  })
  ready(): Promise<HealthBody> {
    return this.check();
  }

  @Get()
  @ApiOperation({ summary: 'The same as /health/ready.' })
  health(): Promise<HealthBody> {
    return this.check();
  }

  private async check(): Promise<HealthBody> {
    const [database, redis] = await Promise.all([this.database(), this.redis()]);
    const states: Record<string, State> = { database };
    if (redis) states.redis = redis;
    const body: HealthBody = {
      status: database === 'down' ? 'error' : redis === 'down' ? 'degraded' : 'ok',
      info: {},
      error: {},
      details: {},
    };
    for (const [name, state] of Object.entries(states)) {
      body.details[name] = { status: state };
      if (state === 'up') body.info[name] = { status: 'up' };
      else body.error[name] = { status: 'down' };
    }
    // Without Redis the gateway still serves (rate limits are counted per process): ready.
    if (database === 'down') throw new ServiceUnavailableException(body);
    return body;
  }

  private async database(): Promise<State> {
    if (!this.dataSource.isInitialized) return 'down';
    try {
      const answer = await within(
        this.dataSource.query<unknown>('SELECT 1'),
        HEALTH_CHECK_TIMEOUT_MS,
      );
      return answer === 'timeout' ? 'down' : 'up';
    } catch {
      return 'down';
    }
  }

  private async redis(): Promise<State | null> {
    const up = await this.rateLimits.redisUp(HEALTH_CHECK_TIMEOUT_MS);
    return up === null ? null : up ? 'up' : 'down';
  }
}
