import type { ArgumentsHost } from '@nestjs/common';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ServiceUnavailableError } from './unavailable';

/** A Fastify request and reply as the ArgumentsHost an exception filter takes. */
export function hostFor(request: FastifyRequest, reply: FastifyReply): ArgumentsHost {
  const args = [request, reply];
  return {
    getArgs: <T extends unknown[]>() => args as T,
    getArgByIndex: <T>(index: number) => args[index] as T,
    getType: <T extends string>() => 'http' as T,
    switchToHttp: () => ({
      getRequest: <T>() => request as T,
      getResponse: <T>() => reply as T,
      getNext: <T>() => undefined as T,
    }),
    switchToRpc: () => {
      throw new Error('not an RPC context');
    },
    switchToWs: () => {
      throw new Error('not a WebSocket context');
    },
  };
}

const SHUTTING_DOWN = 'the gateway is shutting down: try again';

/**
 * What the server does once SIGTERM arrives: requests already in flight finish and are answered
 * with `Connection: close`; requests arriving on connections still open are refused with a 503 in
 * their dialect's shape; and past the deadline, `refuseInFlight` answers whatever is left the same
 * way so that the process can exit whatever the clients do.
 */
export class GracefulShutdown {
  private closing = false;
  private readonly inFlight = new Set<{ request: FastifyRequest; reply: FastifyReply }>();

  constructor(private readonly render: (exception: unknown, host: ArgumentsHost) => void) {}

  get isClosing(): boolean {
    return this.closing;
  }

  install(fastify: FastifyInstance): void {
    // Callback hooks: they run on every request, and a promise each would cost for nothing.
    fastify.addHook('onRequest', (request, reply, done) => {
      if (this.closing) return done(new ServiceUnavailableError(SHUTTING_DOWN, 5));
      const entry = { request, reply };
      this.inFlight.add(entry);
      reply.raw.once('close', () => this.inFlight.delete(entry));
      done();
    });
    fastify.addHook('onSend', (_request, reply, payload, done) => {
      if (this.closing) reply.header('connection', 'close');
      done(null, payload);
    });
  }

  begin(): void {
    this.closing = true;
  }

  /** Answers every request still in flight with the shutdown 503; resolves once written. */
  async refuseInFlight(waitMs = 250): Promise<number> {
    const written: Array<Promise<void>> = [];
    for (const { request, reply } of this.inFlight) {
      if (reply.sent || reply.raw.headersSent) continue;
      written.push(
        new Promise<void>((resolve) => {
          reply.raw.once('finish', resolve);
          reply.raw.once('close', resolve);
          this.render(new ServiceUnavailableError(SHUTTING_DOWN, 5), hostFor(request, reply));
        }),
      );
    }
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      Promise.all(written),
      new Promise((resolve) => (timer = setTimeout(resolve, waitMs))),
    ]);
    clearTimeout(timer);
    return written.length;
  }
}

const installed = new WeakMap<object, GracefulShutdown>();

export function registerShutdown(app: object, shutdown: GracefulShutdown): void {
  installed.set(app, shutdown);
}

/** The shutdown control `createApp` installed on `app`. */
export function shutdownOf(app: object): GracefulShutdown {
  const shutdown = installed.get(app);
  if (!shutdown) throw new Error('not an application made by createApp');
  return shutdown;
}
