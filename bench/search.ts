/**
 * `node --import tsx bench/search.ts [--products 100000] [--queries 300] [--live 200]`
 *
 * Search (issue 19) latency on generated shop products, beside a baseline run in the same script on the same data:
 *
 * - index:    SearchService.search as GET /api/search runs it (CJK bigrams + Latin words in a GIN-indexed array, pg_trgm
 *             word similarity for typos, live-now/in-stock/relevance ranking, a page of 20, the search event written),
 *             minus HTTP and the Redis stock read of the page's 20 products. The live set is `--live` product ids, as
 *             the live view hands it over.
 * - baseline: a plain `title, shop name or description ILIKE '%q%'` scan, newest first, LIMIT 20 (no ranking, no typo
 *             tolerance: it finds nothing for "lipstik").
 *
 * Products are written straight to PostgreSQL (shops, shop_products, shop_skus, and their search docs made with the
 * same terms code as the server), then ANALYZEd. Each query of the mix runs `--queries` times per method after a
 * warm-up, one at a time (latency, not throughput). PostgreSQL: DATABASE_URL, or a private one (bench/lib/setup.ts).
 */
import { parseArgs } from 'node:util';
import pg from 'pg';
import type { SearchQuery } from '@hawker/protocol';
import { createLogger } from '../server/kernel/log.ts';
import { migrateLedger } from '../server/ledger/db.ts';
import { LiveView } from '../server/search/live.ts';
import { SearchService } from '../server/search/service.ts';
import { SearchStore } from '../server/search/store.ts';
import { productTerms } from '../server/search/terms.ts';
import { onCleanup, runMain } from './lib/procs.ts';
import { percentile, printTable, progress, round, writeResult } from './lib/report.ts';
import { benchPostgres } from './lib/setup.ts';

const { values: args } = parseArgs({
  options: {
    products: { type: 'string', default: '100000' },
    queries: { type: 'string', default: '300' },
    live: { type: 'string', default: '200' },
    explain: { type: 'boolean', default: false },
    'keep-pending': { type: 'boolean', default: false },
  },
});
const PRODUCTS = Number(args.products);
const QUERIES = Number(args.queries);
const LIVE = Number(args.live);
const CHUNK = 5_000;

// Vocabulary: Chinese and English product nouns, modifiers and categories, so common terms match thousands of products
// and rare ones few, as in a real catalogue.
const ZH_NOUNS = [
  '口红',
  '唇釉',
  '面霜',
  '精华液',
  '粉底液',
  '眼影盘',
  '香水',
  '围巾',
  '连衣裙',
  '茶叶',
  '手机壳',
  '耳机',
  '保温杯',
  '运动鞋',
  '背包',
  '洗发水',
  '面膜',
  '防晒霜',
  '牛仔裤',
  '羽绒服',
];
const ZH_MODS = [
  '哑光',
  '丝绒',
  '保湿',
  '正红色',
  '限量版',
  '新款',
  '大容量',
  '便携',
  '无线',
  '纯棉',
  '真丝',
  '有机',
  '进口',
  '国潮',
  '经典',
];
const EN_NOUNS = [
  'lipstick',
  'lip gloss',
  'face cream',
  'serum',
  'foundation',
  'eyeshadow palette',
  'perfume',
  'scarf',
  'dress',
  'green tea',
  'phone case',
  'earbuds',
  'thermos',
  'sneakers',
  'backpack',
  'shampoo',
  'sheet mask',
  'sunscreen',
  'jeans',
  'down jacket',
];
const EN_MODS = [
  'matte',
  'velvet',
  'hydrating',
  'ruby red',
  'limited edition',
  'new',
  'large',
  'portable',
  'wireless',
  'cotton',
  'silk',
  'organic',
  'imported',
  'classic',
  'vintage',
];
const CATEGORIES = [
  'beauty.lips',
  'beauty.skin',
  'beauty.face',
  'apparel.scarves',
  'apparel.dresses',
  'food.tea',
  'tech.accessories',
  'home.kitchen',
  'sports.shoes',
  'bags',
];

/** The query mix: two-character and longer Chinese terms, a one-character term, English words, typos, filters. */
const MIX: { name: string; q: Omit<SearchQuery, 'type' | 'limit'> & { q: string } }[] = [
  { name: '口红', q: { q: '口红' } },
  { name: '丝绒口红', q: { q: '丝绒口红' } },
  { name: '茶 (1 char)', q: { q: '茶' } },
  { name: 'lipstick', q: { q: 'lipstick' } },
  { name: 'lipstik (typo)', q: { q: 'lipstik' } },
  { name: 'velvet lipstick', q: { q: 'velvet lipstick' } },
  { name: 'serum 5-20k', q: { q: 'serum', minPrice: 5_000, maxPrice: 20_000 } },
  { name: 'scarf cat', q: { q: 'scarf', category: 'apparel' } },
  { name: 'sneekers (typo)', q: { q: 'sneekers' } },
  { name: 'dior 口红', q: { q: 'dior 口红' } },
];

let seed = 42;
/** Deterministic pseudo-random (mulberry32): the same catalogue every run. */
function rand(): number {
  seed |= 0;
  seed = (seed + 0x6d2b79f5) | 0;
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}
const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;

async function main(): Promise<void> {
  const url = await benchPostgres();
  const schema = `h_bench_search_${Date.now().toString(36)}`;
  const log = createLogger('error');
  await migrateLedger({ url, schema, log });
  const pool = new pg.Pool({ connectionString: url, max: 4, options: `-c search_path=${schema}` });
  pool.on('error', () => {}); // idle clients when the private PostgreSQL stops at the end
  onCleanup(async () => {
    await pool.query(`DROP SCHEMA ${schema} CASCADE`).catch(() => {});
    await pool.end();
  });

  progress(`loading ${PRODUCTS.toLocaleString('en-US')} products`);
  const shops = 200;
  await pool.query(
    `INSERT INTO shops (id, owner_id, kind, name, currency)
     SELECT 's' || i, 'm' || i, 'merchant', (ARRAY['Dior', 'Jade House', '美妆馆', 'Tea House', 'Urban Wear', '数码城'])[1 + i % 6] || ' ' || i, 'CNY'
     FROM generate_series(1, $1) i`,
    [shops],
  );
  const store = new SearchStore(pool);
  const loadStart = performance.now();
  const allIds: string[] = [];
  for (let from = 0; from < PRODUCTS; from += CHUNK) {
    const rows = [];
    for (let i = from; i < Math.min(PRODUCTS, from + CHUNK); i++) {
      const zh = rand() < 0.5;
      const title = zh ? `${pick(ZH_MODS)}${pick(ZH_NOUNS)} ${pick(ZH_MODS)}` : `${pick(EN_MODS)} ${pick(EN_NOUNS)} ${pick(EN_MODS)}`;
      // A description as sellers write them (searched since migration 0023): a few phrases of the same vocabulary,
      // so descriptions add terms to every doc and matches the title alone would not have.
      const description = zh
        ? `${pick(ZH_MODS)}${pick(ZH_NOUNS)}，${pick(ZH_MODS)}${pick(ZH_MODS)}，适合${pick(ZH_NOUNS)}搭配。${pick(ZH_MODS)}${pick(ZH_NOUNS)}。`
        : `${pick(EN_MODS)} and ${pick(EN_MODS)} ${pick(EN_NOUNS)}, made to go with a ${pick(EN_MODS)} ${pick(EN_NOUNS)}.`;
      const shop = 1 + (i % shops);
      const price = 100 * (10 + Math.floor(rand() * 2_000));
      rows.push({
        id: `p${i}`,
        shop: `s${shop}`,
        shopName: `${['Dior', 'Jade House', '美妆馆', 'Tea House', 'Urban Wear', '数码城'][shop % 6]} ${shop}`,
        title,
        description,
        category: pick(CATEGORIES),
        price,
        stock: rand() < 0.8 ? 1 + Math.floor(rand() * 100) : 0,
      });
      allIds.push(`p${i}`);
    }
    await pool.query(
      `INSERT INTO shop_products (id, shop_id, status, version, title, description, images, category)
       SELECT x.id, x.shop, 'active', 1, x.title, x.description, ARRAY['https://img.example.com/p.jpg'], x.category
       FROM jsonb_to_recordset($1::jsonb) AS x(id text, shop text, title text, description text, category text)`,
      [JSON.stringify(rows)],
    );
    await pool.query(
      `INSERT INTO shop_skus (id, product_id, position, combination, code, price, initial_stock)
       SELECT x.id || 'k', x.id, 0, '{}', 'SKU', x.price, x.stock FROM jsonb_to_recordset($1::jsonb) AS x(id text, price bigint, stock int)`,
      [JSON.stringify(rows)],
    );
    await store.upsertProductDocs(
      rows.map((r) => {
        const t = productTerms(r.title, r.category, r.shopName, r.description);
        return {
          product_id: r.id,
          shop_id: r.shop,
          shop_name: r.shopName,
          title: r.title,
          image: 'https://img.example.com/p.jpg',
          category: r.category,
          currency: 'CNY',
          active: true,
          in_stock: r.stock > 0,
          min_price: r.price,
          max_price: r.price,
          sku_ids: [`${r.id}k`],
          plain: t.plain,
          terms: t.terms,
          latin: t.latin,
          created_at: new Date(Date.UTC(2026, 0, 1) + Number(r.id.slice(1)) * 1_000).toISOString(),
        };
      }),
    );
    progress(`  ${Math.min(PRODUCTS, from + CHUNK).toLocaleString('en-US')}`);
  }
  // GIN indexes take bulk inserts into their pending list (fastupdate), which every scan then reads in full until
  // VACUUM or autovacuum merges it: up to gin_pending_list_limit (4 MB) of unsorted entries. A catalogue at rest has
  // been vacuumed; the merge is measured apart (`--keep-pending` leaves the list, the state right after a bulk load).
  if (!args['keep-pending']) {
    const { rows } = await pool.query<{ n: number }>(
      `SELECT coalesce(sum(gin_clean_pending_list(c.oid::regclass)), 0)::int AS n FROM pg_class c
       WHERE c.relkind = 'i' AND c.relam = (SELECT oid FROM pg_am WHERE amname = 'gin') AND c.relnamespace = current_schema()::regnamespace`,
    );
    progress(`merged the GIN pending lists: ${rows[0]!.n} pages`);
  }
  await pool.query('ANALYZE');
  const loadS = (performance.now() - loadStart) / 1000;
  const { rows: size } = await pool.query(
    `SELECT pg_size_pretty(pg_total_relation_size('search_products')) AS docs,
            pg_size_pretty(pg_relation_size('search_products_terms')) AS terms_gin,
            pg_size_pretty(pg_total_relation_size('search_words')) AS vocabulary, (SELECT count(*) FROM search_words) AS words`,
  );

  // The live view as a node hands it over: `LIVE` products selected into live rooms.
  const liveIds = Array.from({ length: LIVE }, () => pick(allIds));
  const products = new Map(liveIds.map((id) => [id, [{ roomId: 'r', title: 'live', creatorId: 'c', creatorName: 'c' }]]));
  const live = new LiveView({ liveRooms: async () => [] }, { productIds: async () => [] });
  live.snapshot = async () => ({ rooms: [], creators: new Map(), products });
  const service = new SearchService(store, live, null, log);
  onCleanup(() => service.close());

  const indexRun = async (q: (typeof MIX)[number]['q']) =>
    (await service.search({ type: 'products', limit: 20, ...q } as SearchQuery, null)).products.length;
  const baselineRun = async (q: (typeof MIX)[number]['q']) => {
    const like = `%${q.q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    const { rows } = await pool.query(
      `SELECT p.id, p.title, s.name FROM shop_products p JOIN shops s ON s.id = p.shop_id
       WHERE p.status = 'active' AND (p.title ILIKE $1 OR s.name ILIKE $1 OR p.description ILIKE $1)
         AND ($2::bigint IS NULL OR EXISTS (SELECT 1 FROM shop_skus k WHERE k.product_id = p.id AND k.price >= $2))
         AND ($3::bigint IS NULL OR EXISTS (SELECT 1 FROM shop_skus k WHERE k.product_id = p.id AND k.price <= $3))
         AND ($4::text IS NULL OR p.category = $4 OR p.category LIKE $4 || '.%')
       ORDER BY p.created_at DESC LIMIT 20`,
      [like, q.minPrice ?? null, q.maxPrice ?? null, q.category ?? null],
    );
    return rows.length;
  };

  const measure = async (run: (q: (typeof MIX)[number]['q']) => Promise<number>) => {
    const perQuery: { name: string; hits: number; p50: number; p95: number }[] = [];
    const all: number[] = [];
    for (const { name, q } of MIX) {
      for (let i = 0; i < 20; i++) await run(q); // warm-up
      const times: number[] = [];
      let hits = 0;
      for (let i = 0; i < QUERIES; i++) {
        const t0 = performance.now();
        hits = await run(q);
        times.push(performance.now() - t0);
      }
      all.push(...times);
      perQuery.push({ name, hits, p50: round(percentile(times, 50), 2), p95: round(percentile(times, 95), 2) });
    }
    return { perQuery, p50: round(percentile(all, 50), 2), p95: round(percentile(all, 95), 2), p99: round(percentile(all, 99), 2) };
  };

  if (args.explain) {
    // The plans, for docs/benchmarks.md's "what limited it".
    let plan: string[] = [];
    const explaining = new SearchStore({
      query: (async (sql: string, values: unknown[]) => {
        const res = await pool.query(`EXPLAIN (ANALYZE, BUFFERS) ${sql}`, values);
        plan = res.rows.map((r: Record<string, string>) => r['QUERY PLAN']!);
        return { rows: [] };
      }) as unknown as pg.Pool['query'],
    });
    const { queryTerms } = await import('../server/search/terms.ts');
    for (const { name, q } of MIX) {
      await explaining.searchProducts(await store.expand(queryTerms(q.q)), q, liveIds, 21, null);
      console.log(`\n-- ${name}\n${plan.join('\n')}`);
    }
  }
  progress('measuring the index');
  const index = await measure(indexRun);
  progress('measuring the ILIKE baseline');
  const baseline = await measure(baselineRun);
  const { rows: matches } = await pool.query(`SELECT count(*)::int AS n FROM search_products d WHERE d.terms @> ARRAY['口红']`);

  printTable(`search on ${PRODUCTS.toLocaleString('en-US')} products (ms per query, one at a time; ${QUERIES} runs each)`, [
    ['query', 'index hits', 'index p50', 'index p95', 'ILIKE hits', 'ILIKE p50', 'ILIKE p95'],
    ...index.perQuery.map((r, i) => {
      const b = baseline.perQuery[i]!;
      return [r.name, r.hits, r.p50, r.p95, b.hits, b.p50, b.p95];
    }),
    ['all queries', '', index.p50, index.p95, '', baseline.p50, baseline.p95],
  ]);
  console.log(`\nindex p99 ${index.p99} ms, ILIKE p99 ${baseline.p99} ms; load ${round(loadS)} s; sizes ${JSON.stringify(size[0])}`);
  console.log(`products containing 口红: ${matches[0].n}`);
  const file = writeResult('search', {
    products: PRODUCTS,
    queriesPerKind: QUERIES,
    liveProducts: LIVE,
    loadSeconds: round(loadS),
    sizes: size[0],
    index,
    baseline,
  });
  progress(`result: ${file}`);
}

runMain('bench/search', main, 1_800);
