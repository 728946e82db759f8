import type { Server } from 'node:http';
import request from 'supertest';

export interface BrowserResult {
  /** The gateway's answer to the callback. */
  status: number;
  location: string | undefined;
  body: string;
  /** The callback URL the provider sent the browser to (carries the code and the state). */
  callbackUrl: URL;
}

/**
 * A scripted user agent: follows the redirects from the authorization URL through the
 * authorization server's login and consent (with its cookies) until the server sends it to the
 * gateway's callback (`gatewayOrigin`), which it then calls on the gateway under test.
 */
export async function authorizeInBrowser(
  gateway: Server,
  authorizationUrl: string,
  gatewayOrigin = 'https://gateway.test',
): Promise<BrowserResult> {
  return callGateway(gateway, await browseToCallback(authorizationUrl, gatewayOrigin));
}

/** The gateway's answer to a callback URL (as the browser would call it). */
export async function callGateway(gateway: Server, callbackUrl: URL): Promise<BrowserResult> {
  const res = await request(gateway).get(`${callbackUrl.pathname}${callbackUrl.search}`);
  return {
    status: res.status,
    location: res.headers.location,
    body: res.text,
    callbackUrl,
  };
}

/** Follows the authorization server's redirects until it sends the browser to the gateway. */
export async function browseToCallback(
  authorizationUrl: string,
  gatewayOrigin = 'https://gateway.test',
): Promise<URL> {
  const jar = new Map<string, string>();
  let url = new URL(authorizationUrl);
  for (let hop = 0; hop < 20; hop++) {
    if (url.origin === gatewayOrigin) return url;
    const cookie = [...jar].map(([k, v]) => `${k}=${v}`).join('; ');
    const res = await fetch(url, { redirect: 'manual', headers: cookie ? { cookie } : {} });
    for (const set of res.headers.getSetCookie()) {
      const [pair = ''] = set.split(';');
      const eq = pair.indexOf('=');
      const name = pair.slice(0, eq).trim();
      if (/expires=Thu, 01 Jan 1970/i.test(set) || pair.slice(eq + 1) === '') jar.delete(name);
      else jar.set(name, pair.slice(eq + 1));
    }
    const location = res.headers.get('location');
    if (!location) {
      throw new Error(
        `the user agent stopped at ${url.toString()}: ${res.status} ${await res.text()}`,
      );
    }
    url = new URL(location, url);
  }
  throw new Error('too many redirects');
}
