import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import request from 'supertest';
import type { TestApp } from './app';

export const LIMIT = 60;

/** Twenty different routes over every dialect and mount, all readable with one key. */
export const ROUTES: Array<[method: 'get' | 'post', path: string]> = [
  ['get', '/v1/connectors'],
  ['get', '/cohere/v1/connectors'],
  ['get', '/v1/connectors/github'],
  ['get', '/cohere/v1/connectors/gitlab'],
  ['get', '/v1/connectors/notion'],
  ['get', '/cohere/v1/connectors/jira'],
  ['get', '/connector/_search'],
  ['get', '/coco/connector/_search'],
  ['post', '/connector/_search'],
  ['post', '/coco/connector/_search'],
  ['get', '/connector/github'],
  ['get', '/coco/connector/gitlab'],
  ['get', '/connector/notion'],
  ['get', '/coco/connector/rss'],
  ['get', '/generic/v1/connectors'],
  ['get', '/generic/v1/connectors/github'],
  ['get', '/generic/v1/connectors/s3'],
  ['get', '/generic/v1/connectors/yuque'],
  ['get', '/connector/_search?query=git'],
  ['get', '/v1/connectors?limit=5'],
];

export function call(t: TestApp, key: string, [method, path]: (typeof ROUTES)[number]) {
  const r = request(t.server)[method](path).set('Authorization', `Bearer ${key}`);
  return method === 'post' ? r.send({}) : r;
}

/** `rounds` passes over the twenty routes: the statuses, in order. */
export async function sweep(apps: TestApp[], key: string, rounds: number): Promise<number[]> {
  const statuses: number[] = [];
  for (let i = 0; i < rounds * ROUTES.length; i++) {
    const res = await call(apps[i % apps.length], key, ROUTES[i % ROUTES.length]);
    statuses.push(res.status);
  }
  return statuses;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address
          ? resolve(address.port)
          : reject(new Error('no port')),
      );
    });
  });
}

export const uniquePrefix = () =>
  `gw-test-${Date.now().toString(36)}-${randomBytes(3).toString('hex')}:`;

export async function waitFor(check: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > until) throw new Error('timed out waiting');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
