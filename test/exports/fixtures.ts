/** What the export and webhook tests share: orders seeded straight into the ledger, and CSV fetched and parsed. */
import type { TestNode } from '../../harness/node.ts';

/** Where seeded orders belong: a shop, a room (channel live) and/or an agency. */
export interface SeedScope {
  shopId?: string | null;
  roomId?: string | null;
  agencyId?: string | null;
}

/**
 * Inserts `n` paid orders in one generate_series INSERT: ids `<idPrefix><i>`, created one second apart going back from
 * `newest` (order 1 is the newest), amount 1000 + i minor units, title `title` (or `<title> <i>` with `numbered`).
 */
export async function seedOrders(
  node: TestNode,
  n: number,
  scope: SeedScope,
  o: { idPrefix?: string; title?: string; newest?: Date; numbered?: boolean } = {},
): Promise<void> {
  await node.node.ctx.db.query(
    `INSERT INTO orders (id, buyer_id, idempotency_key, fingerprint, room_id, agency_id, shop_id, channel, pool_kind, product_id,
                         sku_id, title, quantity, unit_price, amount, currency, status, created_at, updated_at, deadline,
                         charge_id, paid_at)
     SELECT $1 || g, 'buyer' || (g % 97), $1 || 'k' || g, 'sku|1', $2, $3, $4, CASE WHEN $2::text IS NULL THEN 'storefront' ELSE 'live' END,
            'sku', 'p1', 's1', CASE WHEN $7 THEN $5 || ' ' || g ELSE $5 END, 1, 1000 + g, 1000 + g, 'CNY', 'paid',
            $6::timestamptz - g * interval '1 second', $6::timestamptz, $6::timestamptz, 'ch_' || $1 || g, $6::timestamptz
       FROM generate_series(1, $8::int) AS g`,
    [
      o.idPrefix ?? 'o',
      scope.roomId ?? null,
      scope.agencyId ?? null,
      scope.shopId ?? null,
      o.title ?? 'Jade bracelet',
      (o.newest ?? new Date()).toISOString(),
      o.numbered ?? false,
      n,
    ],
  );
}

/** GET an export as `token`; the raw text and status. */
export async function fetchCsv(
  node: TestNode,
  path: string,
  token: string,
): Promise<{ status: number; text: string; type: string | null }> {
  const res = await fetch(`${node.url}${path}`, { headers: { authorization: `Bearer ${token}` } });
  return { status: res.status, text: await res.text(), type: res.headers.get('content-type') };
}

/** Parses RFC 4180 CSV (quoted cells, doubled quotes, CRLF lines) into rows of cells. */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else cell += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') {
      row.push(cell);
      cell = '';
    } else if (ch === '\r' && text[i + 1] === '\n') {
      row.push(cell);
      rows.push(row);
      row = [];
      cell = '';
      i++;
    } else cell += ch;
  }
  if (cell !== '' || row.length > 0) rows.push([...row, cell]);
  return rows;
}

/** Rows of the merchant audit trail, oldest first. */
export async function auditRows(
  node: TestNode,
): Promise<{ scope: string; scope_id: string; actor: string; action: string; target: string | null }[]> {
  const { rows } = await node.node.ctx.db.query('SELECT scope, scope_id, actor, action, target FROM merchant_audit ORDER BY id');
  return rows;
}

/**
 * Streams an export as `token` without keeping it (lines are counted chunk by chunk, as a client writing to disk
 * would), sampling this process's memory every 10 ms: the node runs in this process, so the peak growth over the
 * baseline is what the export cost the node (plus this small reader). Returns data rows (lines minus the header).
 */
export async function measureExport(
  node: TestNode,
  path: string,
  token: string,
): Promise<{ status: number; rows: number; rssGrowthMiB: number; heapGrowthMiB: number }> {
  (globalThis as { gc?: () => void }).gc?.();
  const base = process.memoryUsage();
  let peakRss = base.rss;
  let peakHeap = base.heapUsed;
  const sampler = setInterval(() => {
    const m = process.memoryUsage();
    peakRss = Math.max(peakRss, m.rss);
    peakHeap = Math.max(peakHeap, m.heapUsed);
  }, 10);
  try {
    const res = await fetch(`${node.url}${path}`, { headers: { authorization: `Bearer ${token}` } });
    let lines = 0;
    const decoder = new TextDecoder();
    for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
      const text = decoder.decode(chunk, { stream: true });
      for (let i = text.indexOf('\r\n'); i !== -1; i = text.indexOf('\r\n', i + 2)) lines++;
    }
    const m = process.memoryUsage();
    peakRss = Math.max(peakRss, m.rss);
    peakHeap = Math.max(peakHeap, m.heapUsed);
    const MiB = 1024 * 1024;
    return {
      status: res.status,
      rows: lines - 1,
      rssGrowthMiB: (peakRss - base.rss) / MiB,
      heapGrowthMiB: (peakHeap - base.heapUsed) / MiB,
    };
  } finally {
    clearInterval(sampler);
  }
}
