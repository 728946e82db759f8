import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import http from 'node:http';
import https from 'node:https';
import type { LookupFunction } from 'node:net';
import { Logger } from '@nestjs/common';
import { isForbiddenAddress, literalAddressOf } from './address-policy';

export interface OutboundRequest {
  method: 'GET' | 'POST';
  url: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
  /** Connect and whole body; default the client's (30 s). */
  timeoutMs?: number;
  /** Largest response body read; default the client's (10 MiB). */
  maxBytes?: number;
}

export interface OutboundResponse {
  status: number;
  /** Lower-case names; repeated headers joined with ", ". */
  headers: Record<string, string>;
  body: Buffer;
}

export type OutboundErrorKind =
  'refused_address' | 'timeout' | 'too_large' | 'network' | 'invalid_url';

/** Why an outbound call failed. The message never carries a header, a body or a query string. */
export class OutboundError extends Error {
  constructor(
    readonly kind: OutboundErrorKind,
    message: string,
  ) {
    super(message);
    this.name = 'OutboundError';
  }
}

export interface OutboundHttpOptions {
  /** Allow loopback, private, link-local... addresses (GATEWAY_OUTBOUND_ALLOW_PRIVATE). */
  allowPrivate: boolean;
  defaultTimeoutMs?: number;
  defaultMaxBytes?: number;
  /** Name resolution; tests inject one to make a name resolve where they want. */
  resolve?: (
    hostname: string,
    callback: (error: Error | null, addresses: LookupAddress[]) => void,
  ) => void;
}

export const DEFAULT_OUTBOUND_TIMEOUT_MS = 30_000;
export const DEFAULT_OUTBOUND_MAX_BYTES = 10 * 1024 * 1024;

/**
 * The one HTTP client for every call the gateway makes to the outside. It never follows
 * redirects (a 3xx is returned as is), bounds the whole exchange in time and the response in
 * size, and refuses to connect to a non-public address, checked on the addresses a name resolves
 * to at connect time, so a name that changes its answer between a check and the call (DNS
 * rebinding) cannot slip through.
 */
export class OutboundHttp {
  private readonly logger = new Logger('Outbound');
  private readonly timeoutMs: number;
  private readonly maxBytes: number;
  private readonly lookup: LookupFunction;
  // Own agents, without keep-alive: every call connects (and is checked) anew.
  private readonly httpAgent = new http.Agent({ keepAlive: false });
  private readonly httpsAgent = new https.Agent({ keepAlive: false });

  constructor(private readonly options: OutboundHttpOptions) {
    this.timeoutMs = options.defaultTimeoutMs ?? DEFAULT_OUTBOUND_TIMEOUT_MS;
    this.maxBytes = options.defaultMaxBytes ?? DEFAULT_OUTBOUND_MAX_BYTES;
    this.lookup = guardedLookup(options.allowPrivate, options.resolve);
  }

  get allowPrivate(): boolean {
    return this.options.allowPrivate;
  }

  async request(req: OutboundRequest): Promise<OutboundResponse> {
    const url = parseOutboundUrl(req.url);
    const target = `${req.method} ${url.origin}${url.pathname}`;
    const started = Date.now();
    try {
      const response = await this.send(url, req);
      this.logger.log(`${target} answered ${response.status} in ${Date.now() - started} ms`);
      return response;
    } catch (error) {
      const failure =
        error instanceof OutboundError
          ? error
          : new OutboundError('network', `connection failed (${errorCode(error)})`);
      this.logger.warn(`${target} failed after ${Date.now() - started} ms: ${failure.message}`);
      throw failure;
    }
  }

  private send(url: URL, req: OutboundRequest): Promise<OutboundResponse> {
    const literal = literalAddressOf(url);
    if (literal !== null && !this.options.allowPrivate && isForbiddenAddress(literal)) {
      return Promise.reject(refused(literal));
    }
    const timeoutMs = req.timeoutMs ?? this.timeoutMs;
    const maxBytes = req.maxBytes ?? this.maxBytes;
    const https_ = url.protocol === 'https:';
    const headers: Record<string, string | number> = { ...(req.headers ?? {}) };
    const body = req.body === undefined ? undefined : Buffer.from(req.body);
    if (body !== undefined) headers['content-length'] = body.length;
    const hasAuthorization = Object.keys(headers).some((h) => h.toLowerCase() === 'authorization');
    const auth =
      (url.username || url.password) && !hasAuthorization
        ? `${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`
        : undefined;

    return new Promise<OutboundResponse>((resolve, reject) => {
      let settled = false;
      const finish = (error: Error | null, response?: OutboundResponse) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        if (error) {
          request.destroy();
          reject(error);
        } else resolve(response!);
      };
      const request = (https_ ? https : http).request({
        protocol: url.protocol,
        hostname: url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname,
        port: url.port || undefined,
        path: `${url.pathname}${url.search}`,
        method: req.method,
        headers,
        auth,
        agent: https_ ? this.httpsAgent : this.httpAgent,
        lookup: this.lookup,
      });
      const timer = setTimeout(
        () => finish(new OutboundError('timeout', `no complete answer within ${timeoutMs} ms`)),
        timeoutMs,
      );
      request.on('error', (error) => finish(error));
      request.on('response', (res) => {
        const declared = Number(res.headers['content-length']);
        if (Number.isFinite(declared) && declared > maxBytes) {
          finish(tooLarge(maxBytes));
          res.destroy();
          return;
        }
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > maxBytes) {
            finish(tooLarge(maxBytes));
            res.destroy();
            return;
          }
          chunks.push(chunk);
        });
        res.on('error', (error) => finish(error));
        res.on('aborted', () =>
          finish(new OutboundError('network', 'the connection closed before the answer ended')),
        );
        res.on('end', () =>
          finish(null, {
            status: res.statusCode ?? 0,
            headers: flattenHeaders(res.headers),
            body: Buffer.concat(chunks),
          }),
        );
      });
      request.end(body);
    });
  }

  /** Ends the calls in flight (on shutdown). */
  close(): void {
    this.httpAgent.destroy();
    this.httpsAgent.destroy();
  }

  onModuleDestroy(): void {
    this.close();
  }
}

/** The URL, if it is an absolute http(s) URL; otherwise an `invalid_url` error. */
export function parseOutboundUrl(raw: string): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new OutboundError('invalid_url', 'not an absolute URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new OutboundError('invalid_url', `unsupported scheme ${url.protocol}`);
  }
  return url;
}

/** A `lookup` for sockets: resolves the name, and refuses it when any answer is forbidden. */
function guardedLookup(
  allowPrivate: boolean,
  resolve: OutboundHttpOptions['resolve'] = (hostname, callback) =>
    dnsLookup(hostname, { all: true, verbatim: true }, callback),
): LookupFunction {
  return (hostname, options, callback) => {
    resolve(hostname, (error, addresses) => {
      if (error) return callback(error, '', 0);
      const wanted = options.family
        ? addresses.filter((a) => a.family === options.family)
        : addresses;
      if (!wanted.length) {
        const notFound = Object.assign(new Error(`no address for ${hostname}`), {
          code: 'ENOTFOUND',
        });
        return callback(notFound, '', 0);
      }
      const forbidden = wanted.find((a) => isForbiddenAddress(a.address));
      if (forbidden && !allowPrivate) return callback(refused(forbidden.address), '', 0);
      if (options.all) {
        (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, wanted);
      } else {
        callback(null, wanted[0].address, wanted[0].family);
      }
    });
  };
}

function refused(address: string): OutboundError {
  return new OutboundError(
    'refused_address',
    `refused to connect to ${address}: not a public address (GATEWAY_OUTBOUND_ALLOW_PRIVATE)`,
  );
}

function tooLarge(maxBytes: number): OutboundError {
  return new OutboundError('too_large', `the answer is larger than ${maxBytes} bytes`);
}

function flattenHeaders(headers: http.IncomingHttpHeaders): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined) out[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return out;
}

function errorCode(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : error instanceof Error ? error.name : 'unknown';
}
