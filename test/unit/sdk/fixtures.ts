import type { ChatMessage, FlashSale, Order, PinnedProduct, Product, Room, RoomSnapshot, SkuView } from '@hawker/protocol';

/** A live room as the server describes it. */
export function room(over: Partial<Room> = {}): Room {
  return {
    id: 'r1',
    title: 'Live',
    coverUrl: null,
    creatorId: 'c1',
    creatorName: 'C',
    agencyId: null,
    status: 'live',
    scheduledAt: null,
    startedAt: 1,
    endedAt: null,
    endReason: null,
    createdAt: 1,
    ...over,
  };
}

/** Message `ms-seq` of room r1 (the id orders messages: by time, then sequence). */
export function msg(id: string, text = `m${id}`, roomId = 'r1'): ChatMessage {
  return { id, roomId, userId: 'u1', name: 'U', role: 'viewer', text, at: Number(id.split('-')[0]) };
}

/** A join snapshot of room r1 with `chat` as its history. */
export function snapshot(chat: ChatMessage[] = [], over: Partial<RoomSnapshot> = {}): RoomSnapshot {
  return {
    room: room(),
    serverTime: 1_000,
    you: { userId: 'u1', name: 'U', role: 'viewer' },
    chat,
    chatSettings: { roomId: 'r1', slowModeS: 0, maxLength: 200 },
    mutedUntil: null,
    stats: { roomId: 'r1', viewers: 3, likes: 7 },
    pinned: null,
    flashSale: null,
    ...over,
  };
}

/** Product p1 of room r1 with SKUs `s` (6 left) and `m` (4 left). */
export function product(over: Partial<Product> = {}): Product {
  const sku = (id: string, left: number): SkuView => ({ id, label: id, left, reserved: 0, sold: 0, allocated: 0, total: left });
  return {
    id: 'p1',
    roomId: 'r1',
    title: 'Silk scarf',
    imageUrl: 'http://x/scarf.svg',
    price: 2999,
    currency: 'USD',
    maxPerBuyer: null,
    skus: [sku('s', 6), sku('m', 4)],
    createdAt: 1,
    updatedAt: 1,
    ...over,
  };
}

/** The card for `p` pinned in room r1 at `pinnedAt`. */
export function pinned(p: Product = product(), pinnedAt = 100): PinnedProduct {
  return { roomId: 'r1', product: p, pinnedAt };
}

/** Flash sale `id` of room r1: 10 units of p1/s, live from 1 000 to 61 000, none sold. */
export function sale(over: Partial<FlashSale> = {}): FlashSale {
  return {
    id: 'sale1',
    roomId: 'r1',
    productId: 'p1',
    skuId: 's',
    title: 'Silk scarf',
    imageUrl: 'http://x/scarf.svg',
    currency: 'USD',
    listPrice: 2999,
    salePrice: 990,
    quantity: 10,
    perBuyerLimit: 2,
    perBuyerLimitSource: 'sale',
    startsAt: 1_000,
    endsAt: 61_000,
    state: 'live',
    left: 10,
    reserved: 0,
    sold: 0,
    returned: 0,
    endedReason: null,
    ...over,
  };
}

/** Order `id` of buyer u1 in room r1, as the order:place acknowledgement gives it. */
export function order(over: Partial<Order> = {}): Order {
  return {
    id: 'o1',
    roomId: 'r1',
    buyerId: 'u1',
    productId: 'p1',
    skuId: 's',
    saleId: 'sale1',
    title: 'Silk scarf',
    quantity: 1,
    unitPrice: 990,
    amount: 990,
    currency: 'USD',
    status: 'reserved',
    createdAt: 100,
    updatedAt: 100,
    deadline: 900_100,
    chargeId: null,
    failureReason: null,
    ...over,
  };
}
