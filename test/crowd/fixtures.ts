/** What the crowd tests share: CSV reads, and a scripted audience around one creator's rooms. */
import type { CrowdOverview, PlaceOrderResult, Product, Room } from '@hawker/protocol';
import { api, call, devToken, ok } from '../../harness/clients.ts';
import { joinedViewer, type Reachable, waitFinal } from '../../harness/commerce.ts';
import type { Teardown } from '../../harness/teardown.ts';

/** A GET of a CSV endpoint: its status and rows (cells split on commas; the tests' cells hold none). */
export async function csv(node: Reachable, path: string, token: string): Promise<{ status: number; rows: string[][]; type: string }> {
  const res = await fetch(`${node.url}${path}`, { headers: { authorization: `Bearer ${token}` } });
  const text = await res.text();
  return {
    status: res.status,
    type: res.headers.get('content-type') ?? '',
    rows: text
      .split('\r\n')
      .filter(Boolean)
      .map((l) => l.split(',')),
  };
}

/** The user ids in one stage of a scope's crowd today (the export). */
export async function stageList(node: Reachable, token: string, scope: string, stage: string): Promise<string[]> {
  const res = await csv(node, `/api/crowd/${scope}/people.csv?stage=${stage}`, token);
  if (res.status !== 200) throw new Error(`people.csv: ${res.status} ${res.rows.join('|')}`);
  return res.rows
    .slice(1)
    .map((r) => r[0]!)
    .sort();
}

export async function overview(node: Reachable, token: string, scope: string, query = ''): Promise<CrowdOverview> {
  const res = await api<CrowdOverview>(node.url, 'GET', `/api/crowd/${scope}${query}`, token);
  if (res.status !== 200) throw new Error(`overview: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}

/** A live room of `creator` with one product of its own (SKU "std"). */
export async function liveRoom(node: Reachable, creator: string, title: string, price: number): Promise<{ room: Room; product: Product }> {
  const room = await api<Room>(node.url, 'POST', '/api/rooms', creator, { title });
  if (room.status !== 201) throw new Error(`room: ${JSON.stringify(room.body)}`);
  const product = await api<Product>(node.url, 'POST', `/api/rooms/${room.body.id}/products`, creator, {
    title: 'Silk scarf',
    imageUrl: 'https://img.example.com/scarf.jpg',
    price,
    currency: 'USD',
    skus: [{ id: 'std', label: 'Standard', stock: 100 }],
  });
  if (product.status !== 201) throw new Error(`product: ${JSON.stringify(product.body)}`);
  const live = await api<Room>(node.url, 'POST', `/api/rooms/${room.body.id}/live`, creator);
  if (live.status !== 200) throw new Error(`live: ${JSON.stringify(live.body)}`);
  return { room: live.body, product: product.body };
}

/** `userId` joins the room and buys `quantity` of the product; resolves once the order is paid. */
export async function buys(t: Teardown, node: Reachable, creator: string, roomId: string, productId: string, userId: string, quantity = 1) {
  const v = await joinedViewer(t, node, roomId, { userId });
  const placed = ok(
    await call(v.socket, 'order:place', { roomId, productId, skuId: 'std', quantity, idempotencyKey: `${userId}-${roomId}` }),
  ) as PlaceOrderResult;
  const [order] = await waitFinal(node, creator, [placed.order.id]);
  if (order!.status !== 'paid') throw new Error(`order of ${userId}: ${order!.status}`);
  return { ...v, orderId: placed.order.id };
}

export const adminToken = (node: Reachable) => devToken(node.url, { userId: 'admin1', name: 'Admin', role: 'admin' });
