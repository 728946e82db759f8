import type { Server } from 'node:http';
import request from 'supertest';

/** Where the Cohere dialect is mounted: at the root and under /cohere. */
export const COHERE_PREFIXES = ['/v1/connectors', '/cohere/v1/connectors'] as const;

export type Body = Record<string, unknown>;

/**
 * The Cohere v1 routes as supertest calls, authenticated with one API key (Bearer by default).
 * Every call returns the supertest request, so tests can add headers or read anything.
 */
export function cohereClient(
  server: Server,
  key: string,
  options: { prefix?: string; header?: 'bearer' | 'x-api-token' } = {},
) {
  const prefix = options.prefix ?? '/v1/connectors';
  const auth = (r: request.Test) =>
    options.header === 'x-api-token'
      ? r.set('X-API-TOKEN', key)
      : r.set('Authorization', `Bearer ${key}`);
  const at = (id: string) => `${prefix}/${encodeURIComponent(id)}`;
  return {
    prefix,
    list: (query: Record<string, string | number> = {}) =>
      auth(request(server).get(prefix).query(query)),
    create: (body: Body | string) => auth(json(request(server).post(prefix), body)),
    get: (id: string) => auth(request(server).get(at(id))),
    update: (id: string, body: Body | string) => auth(json(request(server).patch(at(id)), body)),
    delete: (id: string) => auth(request(server).delete(at(id))),
    authorize: (id: string, query: Record<string, string> = {}, method: 'POST' | 'GET' = 'POST') =>
      auth(
        (method === 'POST'
          ? request(server).post(`${at(id)}/oauth/authorize`)
          : request(server).get(`${at(id)}/oauth/authorize`)
        ).query(query),
      ),
  };
}

export type CohereClient = ReturnType<typeof cohereClient>;

/** A string is sent as it is (malformed JSON and the like), with a JSON content type. */
function json(r: request.Test, body: Body | string): request.Test {
  return typeof body === 'string'
    ? r.set('Content-Type', 'application/json').send(body)
    : r.send(body);
}

/** Creates a connector and returns it, failing loudly when the create did not answer 200. */
export async function createConnector(
  client: CohereClient,
  body: Body,
): Promise<Body & { id: string }> {
  const res = await client.create(body);
  if (res.status !== 200) {
    throw new Error(`create answered ${res.status} ${JSON.stringify(res.body)}`);
  }
  return res.body.connector as Body & { id: string };
}
