import { type ChildProcess, spawn } from 'node:child_process';
import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

export interface OidcClient {
  client_id: string;
  client_secret: string;
  redirect_uris: string[];
  grant_types: string[];
  response_types: string[];
  token_endpoint_auth_method?: 'client_secret_basic' | 'client_secret_post';
}

/** One request to the token endpoint, as the counting proxy saw it. */
export interface TokenCall {
  grantType: string | null;
  /** HTTP Basic client authentication was sent. */
  basic: boolean;
  /** client_secret was sent in the body. */
  secretInBody: boolean;
  /** Every form parameter sent (for the leak scan: codes, verifiers, refresh tokens). */
  params: Record<string, string>;
  status: number;
  response: Record<string, unknown> | null;
}

/**
 * oidc-provider in a child process (test/oauth/oidc-server.mjs), and in front of its token
 * endpoint a proxy in this process that counts and records every token request: the connectors'
 * `token_url` points at the proxy, their `authorize_url` at the provider itself.
 */
export class OAuthTestServer {
  readonly calls: TokenCall[] = [];
  private child!: ChildProcess;
  private proxy!: Server;
  private providerPort = 0;
  private proxyPort = 0;

  /**
   * oidc-provider accepts client_secret_basic from a client registered for client_secret_post;
   * some providers do not. For these client ids the proxy answers Basic with 401 invalid_client,
   * as those do.
   */
  readonly postOnly = new Set<string>();

  static async start(
    clients: OidcClient[],
    accessTtl: Record<string, number> = {},
  ): Promise<OAuthTestServer> {
    const s = new OAuthTestServer();
    for (const c of clients) {
      if (c.token_endpoint_auth_method === 'client_secret_post') s.postOnly.add(c.client_id);
    }
    await s.startProvider(clients, accessTtl);
    await s.startProxy();
    return s;
  }

  get issuer(): string {
    return `http://127.0.0.1:${this.providerPort}`;
  }

  get authorizeUrl(): string {
    return `${this.issuer}/auth`;
  }

  /** The token endpoint, through the counting proxy. */
  get tokenUrl(): string {
    return `http://127.0.0.1:${this.proxyPort}/token`;
  }

  refreshCalls(): TokenCall[] {
    return this.calls.filter((c) => c.grantType === 'refresh_token');
  }

  /** Every token value the server handed out, and every code and verifier it was sent. */
  tokenValues(): string[] {
    const out = new Set<string>();
    for (const c of this.calls) {
      for (const k of ['code', 'code_verifier', 'refresh_token', 'client_secret']) {
        if (c.params[k]) out.add(c.params[k]);
      }
      for (const k of ['access_token', 'refresh_token', 'id_token']) {
        const v = c.response?.[k];
        if (typeof v === 'string') out.add(v);
      }
    }
    return [...out];
  }

  /** The next login is refused by the user (error=access_denied). */
  async denyNext(): Promise<void> {
    const res = await fetch(`${this.issuer}/_test/deny-next`, { method: 'POST' });
    if (res.status !== 204) throw new Error(`deny-next answered ${res.status}`);
  }

  /** RFC 7009 revocation at the provider itself (not counted). */
  async revoke(token: string, client: OidcClient): Promise<void> {
    const res = await fetch(`${this.issuer}/token/revocation`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        token,
        client_id: client.client_id,
        client_secret: client.client_secret,
      }).toString(),
    });
    if (res.status !== 200) throw new Error(`revocation answered ${res.status}`);
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => this.proxy.close(() => resolve()));
    await new Promise<void>((resolve) => {
      this.child.once('exit', () => resolve());
      this.child.kill('SIGTERM');
    });
  }

  private async startProvider(clients: OidcClient[], accessTtl: Record<string, number>) {
    this.child = spawn(process.execPath, [join(__dirname, 'oidc-server.mjs')], {
      env: {
        ...process.env,
        NODE_ENV: 'test',
        OIDC_CLIENTS: JSON.stringify(clients),
        OIDC_ACCESS_TTL: JSON.stringify(accessTtl),
      },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const lines = createInterface({ input: this.child.stdout! });
    this.providerPort = await new Promise<number>((resolve, reject) => {
      this.child.once('exit', (code) => reject(new Error(`oidc server exited (${code})`)));
      lines.once('line', (line) => resolve((JSON.parse(line) as { port: number }).port));
    });
  }

  private refusesBasic(authorization: string): boolean {
    const pair = Buffer.from(authorization.slice(6), 'base64').toString('utf8');
    const id = decodeURIComponent(pair.slice(0, pair.indexOf(':')).replace(/\+/g, ' '));
    return this.postOnly.has(id);
  }

  private async startProxy() {
    this.proxy = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = Buffer.concat(chunks);
        const params = Object.fromEntries(new URLSearchParams(body.toString('utf8')));
        const basic = /^Basic /i.test(req.headers.authorization ?? '');
        if (basic && this.refusesBasic(req.headers.authorization!)) {
          const response = { error: 'invalid_client', error_description: 'use client_secret_post' };
          this.calls.push({
            grantType: params.grant_type ?? null,
            basic,
            secretInBody: 'client_secret' in params,
            params,
            status: 401,
            response,
          });
          res.writeHead(401, { 'content-type': 'application/json' });
          res.end(JSON.stringify(response));
          return;
        }
        const upstream = httpRequest(
          {
            host: '127.0.0.1',
            port: this.providerPort,
            method: req.method,
            path: req.url,
            headers: { ...req.headers, host: `127.0.0.1:${this.providerPort}` },
          },
          (up) => {
            const back: Buffer[] = [];
            up.on('data', (c: Buffer) => back.push(c));
            up.on('end', () => {
              const text = Buffer.concat(back).toString('utf8');
              let response: Record<string, unknown> | null;
              try {
                response = JSON.parse(text) as Record<string, unknown>;
              } catch {
                response = null;
              }
              this.calls.push({
                grantType: params.grant_type ?? null,
                basic: /^Basic /i.test(req.headers.authorization ?? ''),
                secretInBody: 'client_secret' in params,
                params,
                status: up.statusCode ?? 0,
                response,
              });
              res.writeHead(up.statusCode ?? 502, up.headers);
              res.end(text);
            });
          },
        );
        upstream.on('error', () => res.writeHead(502).end());
        upstream.end(body);
      });
    });
    await new Promise<void>((resolve) => this.proxy.listen(0, '127.0.0.1', resolve));
    this.proxyPort = (this.proxy.address() as AddressInfo).port;
  }
}

/** A token endpoint that accepts connections and never answers (the slow provider). */
export async function silentServer(): Promise<{ url: string; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const server = createServer(() => undefined);
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/token`,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

/** A URL on a port nothing listens on (the provider down). */
export async function closedPortUrl(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}/token`;
}
