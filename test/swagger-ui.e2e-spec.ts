import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Locator, type Page } from 'playwright-core';
import request from 'supertest';
import { DIALECTS } from '../src/dialects';
import { startTestApp, type TestApp } from './app';

/**
 * Swagger UI as a newcomer uses it, in a real browser (Debian's headless Chromium, driven by
 * playwright-core): open /docs of a gateway listening on 127.0.0.1 (real PostgreSQL), authorize
 * with an API key through the Authorize button (Bearer, and X-API-TOKEN for Coco), then for each dialect (the definition selector,
 * one document per dialect) "Try it out" on the list operation and on create with the prefilled
 * body, and read the response code Swagger UI shows: 200. Screenshots go to
 * test-output/swagger-ui/ (gitignored). Chromium missing is a failure, not a skip: `.ci/run`
 * installs it (`apt-get install chromium`).
 */

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const OUTPUT = join(__dirname, '..', 'test-output', 'swagger-ui');
const ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--no-first-run',
  '--disable-sync',
  '--disable-quic',
];

jest.setTimeout(180_000);

interface Operation {
  operationId: string;
  requestBody?: unknown;
}
type Paths = Record<string, Record<string, Operation>>;

/** The list operation (a GET on a collection) and the create one (a POST of a body to it). */
function listAndCreate(paths: Paths): { list: string; create: string } {
  const collection = Object.entries(paths).filter(([path]) => !path.includes('{'));
  const list = collection.find(([, ops]) => ops.get)?.[1].get?.operationId;
  const create = collection.find(
    ([path, ops]) => ops.post?.requestBody && !path.includes('_search'),
  )?.[1].post?.operationId;
  if (!list || !create) throw new Error('no list or no create operation in the document');
  return { list, create };
}

describe('Swagger UI in Chromium', () => {
  let t: TestApp;
  let base: string;
  let key: string;
  let context: BrowserContext;
  let page: Page;
  let userDataDir: string;
  /** Requests the page made to anything but the gateway (the docs must need no CDN). */
  const outside: string[] = [];

  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) {
      throw new Error(
        `no Chromium at ${CHROMIUM}: install it (apt-get install -y chromium), as .ci/run does`,
      );
    }
    mkdirSync(OUTPUT, { recursive: true });
    t = await startTestApp();
    await t.app.listen({ port: 0, host: '127.0.0.1' });
    const address = t.app.getHttpServer().address();
    if (!address || typeof address === 'string') throw new Error('not listening');
    base = `http://127.0.0.1:${address.port}`;
    key = (await t.newOrganization('swagger-ui')).key;
    userDataDir = mkdtempSync(join(tmpdir(), 'gw-chromium-'));
    context = await chromium.launchPersistentContext(userDataDir, {
      executablePath: CHROMIUM,
      headless: true,
      args: ARGS,
      viewport: { width: 1280, height: 900 },
    });
    await context.route('**/*', async (route) => {
      const url = route.request().url();
      if (url.startsWith(`${base}/`) || url.startsWith('data:')) return route.continue();
      outside.push(url);
      return route.abort();
    });
    page = context.pages()[0] ?? (await context.newPage());
  });

  afterAll(async () => {
    await context?.close();
    if (userDataDir) rmSync(userDataDir, { recursive: true, force: true });
    await t?.close();
  });

  /** How many connectors the key's organization holds (Coco shows them all). */
  async function stored(): Promise<number> {
    const res = await request(t.server)
      .get('/connector/_search?size=0')
      .set({ 'X-API-TOKEN': key })
      .expect(200);
    return (res.body as { hits: { total: { value: number } } }).hits.total.value;
  }

  /** Opens the operation's block, presses "Try it out" and "Execute"; the status shown. */
  async function tryItOut(operationId: string): Promise<{ block: Locator; status: string }> {
    const block = page.locator(`.opblock[id$="-${operationId}"]`);
    await block.scrollIntoViewIfNeeded();
    if (!(await block.locator('.opblock-body').isVisible())) {
      await block.locator('.opblock-summary').first().click();
    }
    await block.locator('button.try-out__btn').click();
    await block.locator('button.execute').click();
    const status = block.locator('.live-responses-table .response .response-col_status').first();
    await status.waitFor({ state: 'visible', timeout: 30_000 });
    return { block, status: (await status.innerText()).trim() };
  }

  it('authorizes once and runs list and create in every dialect with 200', async () => {
    await page.goto(`${base}/docs`);
    await page.locator('.swagger-ui .information-container .title').waitFor();
    await page.screenshot({ path: join(OUTPUT, '00-opened.png'), fullPage: false });

    const selector = page.locator('.topbar select');
    const titles = await selector.locator('option').allInnerTexts();
    expect(titles).toEqual(DIALECTS.map((d) => d.title));

    const authorized = new Set<string>();
    for (const [index, dialect] of DIALECTS.entries()) {
      const paths = (await request(t.server).get(`/docs/${dialect.name}.json`).expect(200)).body
        .paths as Paths;
      const { list, create } = listAndCreate(paths);
      await selector.selectOption({ label: dialect.title });
      await page
        .locator('.swagger-ui .information-container .title', {
          hasText: dialect.title,
        })
        .waitFor();

      // Authorize with the API key: as a Bearer token, and for Coco as X-API-TOKEN (the other
      // scheme logged out), as each dialect's clients send it.
      const scheme = dialect.name === 'coco' ? 'X-API-TOKEN' : 'bearer';
      const other = scheme === 'bearer' ? 'X-API-TOKEN' : 'bearer';
      await page.locator('.scheme-container button.authorize').click();
      const modal = page.locator('.dialog-ux .modal-ux');
      await modal.waitFor();
      const container = (name: string) =>
        modal.locator('.auth-container', { has: page.locator('h4', { hasText: name }) });
      const logoutOther = container(other).locator('button', { hasText: 'Logout' });
      if (await logoutOther.isVisible()) {
        await logoutOther.click();
        authorized.delete(other);
      }
      const input = container(scheme).locator('input');
      // Authorized once, a scheme stays so when another definition is selected.
      const needsKey = await input.isVisible();
      expect([dialect.name, scheme, needsKey]).toEqual([
        dialect.name,
        scheme,
        !authorized.has(scheme),
      ]);
      authorized.add(scheme);
      if (needsKey) {
        await input.fill(key);
        await container(scheme).locator('button.authorize').click();
      }
      await container(scheme).locator('button', { hasText: 'Logout' }).waitFor();
      await page.screenshot({ path: join(OUTPUT, `${index + 1}-${dialect.name}-authorize.png`) });
      await container(scheme).locator('button.btn-done').click();
      await modal.waitFor({ state: 'detached' });
      const header = scheme === 'bearer' ? `Authorization: Bearer ${key}` : `X-API-TOKEN: ${key}`;

      const before = await stored();
      const listed = await tryItOut(list);
      await listed.block.screenshot({
        path: join(OUTPUT, `${index + 1}-${dialect.name}-list.png`),
      });
      expect([dialect.name, list, listed.status]).toEqual([dialect.name, list, '200']);
      expect(await listed.block.locator('.curl-command').innerText()).toContain(header);

      const created = await tryItOut(create);
      // The body sent is the prefilled example, untouched.
      const body = await created.block.locator('.body-param textarea').inputValue();
      expect(body.trim()).not.toBe('');
      await created.block.screenshot({
        path: join(OUTPUT, `${index + 1}-${dialect.name}-create.png`),
      });
      expect([dialect.name, create, created.status]).toEqual([dialect.name, create, '200']);
      // What Swagger UI created is really there, in this key's organization.
      expect(await stored()).toBe(before + 1);
    }
    expect(outside).toEqual([]);
  });
});
