import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Logger } from '@nestjs/common';
import type { ConnectorsService } from '../connectors/connectors.service';
import type { ConnectorView } from '../connectors/domain/connector';
import {
  ConnectorCallFailedError,
  ConnectorNotAuthorizedError,
} from '../connectors/domain/connector.errors';
import type { Actor } from '../connectors/domain/connector.input';
import { OutboundHttp } from '../outbound/outbound-http';
import { ConnectorCredentials, NoOAuthGrants, OAuthAccessTokens } from './connector-credentials';
import { ConnectorSearch } from './connector-search';

/**
 * The OAuth side of a search through the port the OAuth feature implements: the header it yields,
 * and "upstream 401 → refresh once and retry". A real HTTP server plays the connector; the grants
 * are a small in-test implementation of the port.
 */
describe('ConnectorSearch with an OAuth connector', () => {
  const actor: Actor = { organizationId: 'acme', apiKeyId: 'key_1' };
  let server: Server;
  let url: string;
  /** Authorization headers the connector received, and the tokens it accepts. */
  let received: string[];
  let accepted: Set<string>;

  beforeAll(async () => {
    Logger.overrideLogger(false);
    server = createServer((req, res) => {
      received.push(req.headers.authorization ?? '');
      req.resume();
      req.on('end', () => {
        const ok = accepted.has(req.headers.authorization ?? '');
        res.writeHead(ok ? 200 : 401, { 'content-type': 'application/json' });
        res.end(ok ? '{"results":[{"title":"hit"}]}' : '{"error":"invalid_token"}');
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/search`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));
  beforeEach(() => {
    received = [];
    accepted = new Set();
  });

  const connector = (): ConnectorView =>
    ({
      id: 'drive',
      url,
      excludes: null,
      serviceAuth: null,
      oauth: {
        clientId: 'cid',
        clientSecret: '******',
        authorizeUrl: 'https://auth.example.com/a',
        tokenUrl: 'https://auth.example.com/t',
        scope: null,
      },
    }) as unknown as ConnectorView;

  /** Only what the search reads from the service: the masked connector. */
  const connectors = {
    get: () => Promise.resolve(connector()),
    openSecrets: () => Promise.reject(new Error('an OAuth search opens no connector secret')),
  } as unknown as ConnectorsService;

  class Grants extends OAuthAccessTokens {
    refreshes: string[] = [];
    constructor(
      private token: string,
      private readonly refreshed: string | null,
    ) {
      super();
    }
    accessToken(): Promise<string> {
      return Promise.resolve(this.token);
    }
    refreshAfterRejection(_a: Actor, _c: ConnectorView, rejected: string): Promise<string | null> {
      this.refreshes.push(rejected);
      if (this.refreshed !== null) this.token = this.refreshed;
      return Promise.resolve(this.refreshed);
    }
  }

  const searchWith = (grants: OAuthAccessTokens) =>
    new ConnectorSearch(
      connectors,
      new ConnectorCredentials(connectors, grants),
      new OutboundHttp({ allowPrivate: true, defaultTimeoutMs: 2000 }),
    );

  it("sends Bearer and the calling key's access token", async () => {
    accepted.add('Bearer at-1');
    const grants = new Grants('at-1', null);
    expect(await searchWith(grants).search(actor, 'drive', 'q')).toEqual({
      results: [{ title: 'hit' }],
    });
    expect(received).toEqual(['Bearer at-1']);
    expect(grants.refreshes).toEqual([]);
  });

  it('after an upstream 401, refreshes once and retries with the new token', async () => {
    accepted.add('Bearer at-2');
    const grants = new Grants('at-stale', 'at-2');
    expect((await searchWith(grants).search(actor, 'drive', 'q')).results).toHaveLength(1);
    expect(received).toEqual(['Bearer at-stale', 'Bearer at-2']);
    expect(grants.refreshes).toEqual(['at-stale']);
  });

  it('a 401 after the refresh is a 502, without a second refresh', async () => {
    const grants = new Grants('at-stale', 'at-also-refused');
    const error = await searchWith(grants)
      .search(actor, 'drive', 'q')
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConnectorCallFailedError);
    expect((error as Error).message).toBe('connector answered 401');
    expect(received).toEqual(['Bearer at-stale', 'Bearer at-also-refused']);
    expect(grants.refreshes).toEqual(['at-stale']);
  });

  it('nothing to refresh with: the 401 stands as a 502, one call', async () => {
    const grants = new Grants('at-stale', null);
    await expect(searchWith(grants).search(actor, 'drive', 'q')).rejects.toThrow(
      'connector answered 401',
    );
    expect(received).toEqual(['Bearer at-stale']);
  });

  it('without the OAuth feature (NoOAuthGrants): not authorized, nothing sent', async () => {
    await expect(
      searchWith(new NoOAuthGrants()).search(actor, 'drive', 'q'),
    ).rejects.toBeInstanceOf(ConnectorNotAuthorizedError);
    expect(received).toEqual([]);
  });
});
