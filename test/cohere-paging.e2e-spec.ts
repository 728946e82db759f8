import { startTestApp, type TestApp } from './app';
import { cohereClient, type CohereClient } from './cohere-client';
import { cohereListProblems } from './cohere-schema';

const CREATED = 160;
const TOTAL = CREATED;

/**
 * GET /v1/connectors paging with 160 connectors of one organization (its built-ins, unchanged, are
 * not listed):
 * limit 0 and no limit mean 30, newest first, the exact total on every page.
 */
describe('Cohere v1 list paging and order', () => {
  let t: TestApp;
  let api: CohereClient;
  /** Every listed id of the organization, newest first: the 160 in reverse order of creation. */
  let newestFirst: string[];

  beforeAll(async () => {
    t = await startTestApp();
    const { key } = await t.newOrganization('paging');
    api = cohereClient(t.server, key);
    // The built-ins are not listed until a key changes one.
    expect((await api.list({ limit: 100 }).expect(200)).body).toEqual({
      connectors: [],
      total_count: 0,
    });
    const created: string[] = [];
    // One by one: creation order is the order the list must reverse.
    for (let i = 0; i < CREATED; i++) {
      const res = await api.create({
        name: `Source ${i}`,
        url: `https://s${i}.example.com/search`,
      });
      expect(res.status).toBe(200);
      created.push(res.body.connector.id);
    }
    newestFirst = [...created].reverse();
  }, 120_000);
  afterAll(() => t.close());

  const ids = (body: { connectors: Array<{ id: string }> }) => body.connectors.map((c) => c.id);

  it('answers 30, newest first, with the exact total when no limit is given', async () => {
    const res = await api.list().expect(200);
    expect(cohereListProblems(res.body)).toEqual([]);
    expect(res.body.total_count).toBe(TOTAL);
    expect(ids(res.body)).toEqual(newestFirst.slice(0, 30));
  });

  it('treats limit=0 as the default, 30', async () => {
    const res = await api.list({ limit: 0 }).expect(200);
    expect(res.body.total_count).toBe(TOTAL);
    expect(ids(res.body)).toEqual(newestFirst.slice(0, 30));
  });

  it('answers at most 100 with limit=100, and 1 with limit=1', async () => {
    const hundred = await api.list({ limit: 100 }).expect(200);
    expect(ids(hundred.body)).toEqual(newestFirst.slice(0, 100));
    expect(hundred.body.total_count).toBe(TOTAL);
    const one = await api.list({ limit: 1 }).expect(200);
    expect(ids(one.body)).toEqual([newestFirst[0]]);
    expect(one.body.total_count).toBe(TOTAL);
  });

  it('orders by creation time, newest first, with non-increasing created_at', async () => {
    const res = await api.list({ limit: 100 }).expect(200);
    const times = res.body.connectors.map((c: { created_at: string }) => Date.parse(c.created_at));
    for (let i = 1; i < times.length; i++) expect(times[i]).toBeLessThanOrEqual(times[i - 1]);
  });

  it('walks every connector exactly once with limit/offset, whatever the page size', async () => {
    for (const size of [7, 30, 100]) {
      const seen: string[] = [];
      for (let offset = 0; offset < TOTAL; offset += size) {
        const res = await api.list({ limit: size, offset }).expect(200);
        expect(res.body.total_count).toBe(TOTAL);
        expect(res.body.connectors.length).toBe(Math.min(size, TOTAL - offset));
        seen.push(...ids(res.body));
      }
      expect(seen).toEqual(newestFirst);
    }
  });

  it('answers the last partial page', async () => {
    const res = await api.list({ limit: 100, offset: 150 }).expect(200);
    expect(ids(res.body)).toEqual(newestFirst.slice(150));
    expect(res.body.connectors).toHaveLength(10);
    expect(res.body.total_count).toBe(TOTAL);
  });

  it('answers an empty page with the right total for an offset at or past the end', async () => {
    for (const offset of [TOTAL, TOTAL + 1, 10_000, Number.MAX_SAFE_INTEGER]) {
      const res = await api.list({ offset }).expect(200);
      expect(res.body).toEqual({ connectors: [], total_count: TOTAL });
    }
    const huge = await api.list({ offset: '99999999999999999999' }).expect(200);
    expect(huge.body).toEqual({ connectors: [], total_count: TOTAL });
  });

  it('counts a new connector at once and puts it first', async () => {
    const { key } = await t.newOrganization('paging2');
    const other = cohereClient(t.server, key);
    const c = (
      await other.create({ name: 'Newest', url: 'https://n.example.com/search' }).expect(200)
    ).body.connector;
    const res = await other.list({ limit: 1 }).expect(200);
    expect(res.body).toEqual({ connectors: [c], total_count: 1 });
    // and the first organization's totals did not move
    expect((await api.list({ limit: 1 }).expect(200)).body.total_count).toBe(TOTAL);
  });
});
