import { Injectable } from '@nestjs/common';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { DataSource } from 'typeorm';

/** The part of node-postgres' Pool the gauges read (TypeORM's `driver.master`). */
interface PoolCounts {
  totalCount: number;
  idleCount: number;
  waitingCount: number;
}

/** Process metrics (CPU, memory, event loop lag, GC, handles) belong to the process: one registry. */
let processRegistry: Registry | undefined;
function processMetrics(): Registry {
  if (!processRegistry) {
    processRegistry = new Registry();
    collectDefaultMetrics({ register: processRegistry });
  }
  return processRegistry;
}

/**
 * The gateway's Prometheus metrics (described for dashboards in docs/metrics.md). Request metrics
 * are recorded by the Fastify hook in `metrics.http.ts`; other code injects this service to count
 * what only it knows. Each application has a registry of its own, so tests can run several.
 */
@Injectable()
export class MetricsService {
  readonly registry = new Registry();

  private readonly requests = new Counter({
    name: 'http_requests_total',
    help: 'HTTP requests answered, by dialect, route pattern, method and status',
    labelNames: ['dialect', 'route', 'method', 'status'] as const,
    registers: [this.registry],
  });

  private readonly duration = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'Time from receiving a request to sending its answer, in seconds',
    labelNames: ['dialect', 'route', 'method', 'status'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });

  private readonly rateLimited = new Counter({
    name: 'rate_limit_rejections_total',
    help: 'Requests refused with 429 because a rate limit was reached, by dialect',
    labelNames: ['dialect'] as const,
    registers: [this.registry],
  });

  private readonly oauthTokens = new Counter({
    name: 'oauth_token_requests_total',
    help: 'Requests to OAuth token endpoints, by kind (exchange, refresh) and outcome',
    labelNames: ['kind', 'outcome'] as const,
    registers: [this.registry],
  });

  /** One pair of label-bound children per (labels, status): no label hashing per request. */
  private readonly children = new Map<
    string,
    { count: { inc(): void }; time: { observe(value: number): void } }
  >();

  constructor(dataSource: DataSource) {
    const pool = () =>
      (dataSource.driver as unknown as { master?: PoolCounts } | undefined)?.master;
    const poolGauge = (name: string, help: string, read: (p: PoolCounts) => number) =>
      new Gauge({
        name,
        help,
        registers: [this.registry],
        collect() {
          const p = pool();
          this.set(p ? read(p) : 0);
        },
      });
    poolGauge(
      'db_pool_connections_in_use',
      'Database connections of the pool checked out by a query or transaction',
      (p) => p.totalCount - p.idleCount,
    );
    poolGauge(
      'db_pool_connections_idle',
      'Database connections open in the pool and free',
      (p) => p.idleCount,
    );
    poolGauge(
      'db_pool_requests_waiting',
      'Queries waiting for a free database connection',
      (p) => p.waitingCount,
    );
    processMetrics();
  }

  /** One answered request; `seconds` from arrival to the answer. */
  observeRequest(
    dialect: string,
    route: string,
    method: string,
    status: number,
    seconds: number,
  ): void {
    const key = `${dialect} ${route} ${method} ${status}`;
    let child = this.children.get(key);
    if (!child) {
      const labels = { dialect, route, method, status: String(status) };
      child = { count: this.requests.labels(labels), time: this.duration.labels(labels) };
      this.children.set(key, child);
    }
    child.count.inc();
    child.time.observe(seconds);
    if (status === 429) this.rateLimited.labels(dialect).inc();
  }

  /** A call to an OAuth token endpoint: `exchange` (authorization code) or `refresh`. */
  oauthTokenRequest(kind: 'exchange' | 'refresh', outcome: 'ok' | 'refused' | 'failed'): void {
    this.oauthTokens.labels(kind, outcome).inc();
  }

  /** Prometheus text exposition format, with the process metrics. */
  async exposition(): Promise<{ contentType: string; body: string }> {
    const [own, process] = await Promise.all([this.registry.metrics(), processMetrics().metrics()]);
    return { contentType: this.registry.contentType, body: `${own}\n${process}` };
  }
}
