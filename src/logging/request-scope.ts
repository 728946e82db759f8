import { AsyncLocalStorage } from 'node:async_hooks';
import type { FastifyInstance } from 'fastify';

interface RequestScope {
  readonly requestId: string;
}

const scope = new AsyncLocalStorage<RequestScope>();

/** The id of the request being served, wherever the code runs (undefined outside a request). */
export function currentRequestId(): string | undefined {
  return scope.getStore()?.requestId;
}

/** pino's `mixin`: every line logged while a request is served carries its id. */
export function requestIdMixin(): { requestId?: string } {
  const store = scope.getStore();
  return store ? { requestId: store.requestId } : {};
}

/**
 * Opens the request's scope as it arrives, in a root `onRequest` hook added before any other (so
 * that it also covers the routes Nest registers later): every later hook, the handler and
 * everything they await run in it. Fastify carries the scope across reading a body itself (its
 * content-type parser runs the parsed body's continuation in the request's async context), which
 * `request-scope.spec.ts` checks with bodies large enough to arrive in many chunks.
 */
export function installRequestScope(fastify: FastifyInstance): void {
  fastify.addHook('onRequest', (request, _reply, done) => {
    scope.run({ requestId: String(request.id) }, done);
  });
}
