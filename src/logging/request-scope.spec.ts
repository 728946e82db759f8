import type { AddressInfo } from 'node:net';
import { PassThrough } from 'node:stream';
import Fastify, { type FastifyInstance } from 'fastify';
import { createLogger } from './logger';
import { currentRequestId, installRequestScope } from './request-scope';

/** A real Fastify server on a loopback port, with the scope installed as the gateway does. */
async function serve(
  register: (fastify: FastifyInstance) => void,
): Promise<{ url: string; close: () => Promise<void> }> {
  const fastify = Fastify({ genReqId: (req) => String(req.headers['x-request-id'] ?? 'none') });
  installRequestScope(fastify);
  register(fastify);
  await fastify.listen({ port: 0, host: '127.0.0.1' });
  const { port } = fastify.server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, close: () => fastify.close() };
}

describe('request scope', () => {
  it('is the request id in the handler, after awaits and after a body was read', async () => {
    const seen: Array<string | undefined> = [];
    const server = await serve((fastify) => {
      fastify.post('/echo', async (request) => {
        seen.push(currentRequestId());
        await new Promise((resolve) => setTimeout(resolve, 5));
        seen.push(currentRequestId());
        return request.body;
      });
    });
    try {
      const answers = await Promise.all(
        ['a', 'b', 'c'].map((id) =>
          fetch(`${server.url}/echo`, {
            method: 'POST',
            headers: { 'content-type': 'application/json', 'x-request-id': `req-${id}` },
            body: JSON.stringify({ id, pad: 'x'.repeat(200_000) }),
          }).then((r) => r.json() as Promise<{ id: string }>),
        ),
      );
      expect(answers.map((a) => a.id)).toEqual(['a', 'b', 'c']);
      expect(seen.sort()).toEqual(['req-a', 'req-a', 'req-b', 'req-b', 'req-c', 'req-c']);
      expect(currentRequestId()).toBeUndefined();
    } finally {
      await server.close();
    }
  });

  it('puts the id on every line logged while the request is served, and on no other', async () => {
    const stream = new PassThrough();
    const lines: Array<Record<string, unknown>> = [];
    stream.on('data', (chunk: Buffer) => {
      for (const line of chunk.toString('utf8').split('\n').filter(Boolean)) {
        lines.push(JSON.parse(line) as Record<string, unknown>);
      }
    });
    const logger = createLogger({ level: 'info', stream });
    const server = await serve((fastify) => {
      fastify.post('/work', async () => {
        await new Promise((resolve) => setTimeout(resolve, 1));
        logger.info('inside');
        return {};
      });
    });
    try {
      const res = await fetch(`${server.url}/work`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-request-id': 'scoped-1' },
        body: '{}',
      });
      expect(res.status).toBe(200);
      logger.info('outside');
      await new Promise((resolve) => setImmediate(resolve));
      expect(lines.find((l) => l.msg === 'inside')).toMatchObject({ requestId: 'scoped-1' });
      expect(lines.find((l) => l.msg === 'outside')).not.toHaveProperty('requestId');
    } finally {
      await server.close();
    }
  });
});
