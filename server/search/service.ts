import type { ClipHit, CreatorHit, ProductHit, Room, RoomHit, SearchClickBody, SearchQuery, SearchResult } from '@hawker/protocol';
import { AppError } from '../kernel/errors.ts';
import { newId } from '../kernel/ids.ts';
import type { Logger } from '../kernel/log.ts';
import { decodeRankCursor, encodeRankCursor, fingerprint, type RankCursor } from './cursor.ts';
import { SearchEventBuffer } from './events.ts';
import type { LiveView } from './live.ts';
import type { Ranked, SearchStore } from './store.ts';
import { queryTerms, type QueryTerms } from './terms.ts';

/** Units left now per SKU of a product, from the shared pools (server/stock); missing pools read 0. */
export interface StockLeft {
  left(productId: string, skuIds: readonly string[]): Promise<number[]>;
}

/**
 * Where clips will come from (the recording work adds them): searched like the other kinds once a source is given.
 * Until then the kind answers an empty list.
 */
export interface ClipSearchSource {
  search(q: QueryTerms, limit: number, cursor: string | undefined): Promise<{ clips: ClipHit[]; nextCursor: string | null }>;
}

/**
 * Search (人找货) over shop products, creators, rooms and (later) clips, and the index's upkeep. Ranking: live now
 * first, then in stock, then relevance (docs/centre-field.md, "Search"). Every search and every click is recorded for
 * the funnel.
 */
export class SearchService {
  constructor(
    readonly store: SearchStore,
    readonly live: LiveView,
    private readonly stock: StockLeft | null,
    private readonly log: Pick<Logger, 'warn'>,
    private readonly clips: ClipSearchSource | null = null,
  ) {
    this.events = new SearchEventBuffer(store, log);
  }

  /** Search events, written in batches off the request path. */
  readonly events: SearchEventBuffer;
  /** Told of every recorded click on a result by a signed-in user (the crowd pipeline, issue 19); they must not throw. */
  readonly clickListeners: ((userId: string, kind: SearchClickBody['kind'], id: string) => void)[] = [];

  async close(): Promise<void> {
    await this.events.close();
  }

  async search(query: SearchQuery, userId: string | null): Promise<SearchResult> {
    const q = queryTerms(query.q);
    if (q.empty) throw AppError.badRequest('Invalid query.q: needs at least one letter, digit or CJK character');
    const fp = fingerprint(query.q, query.type, query.minPrice, query.maxPrice, query.category);
    const cursor = query.cursor ? decodeRankCursor(query.cursor, fp) : null;
    const result: SearchResult = {
      searchId: newId(),
      q: query.q,
      type: query.type,
      products: [],
      creators: [],
      rooms: [],
      clips: [],
      nextCursor: null,
    };
    const want = (k: SearchQuery['type']) => query.type === 'all' || query.type === k;
    const [snap, expanded] = await Promise.all([this.live.snapshot(), this.store.expand(q)]);
    // One more than a page tells whether there is a next one.
    const n = query.limit + 1;
    const [products, creators, rooms, clips] = await Promise.all([
      want('products')
        ? this.store.searchProducts(expanded, query, [...snap.products.keys()], n, cursor).then((rows) => this.productHits(rows))
        : null,
      want('creators') ? this.store.searchCreators(expanded, [...snap.creators.keys()], n, cursor) : null,
      want('rooms') ? this.store.searchRooms(expanded, n, cursor) : null,
      want('clips') && this.clips ? this.clips.search(q, query.limit, query.cursor) : null,
    ]);
    const page = <T extends { live: boolean; score: number }>(rows: T[] | null, id: (r: T) => string, stock: (r: T) => boolean) => {
      if (!rows) return [];
      const shown = rows.slice(0, query.limit);
      if (query.type !== 'all' && rows.length > query.limit) {
        const last = shown[shown.length - 1]!;
        result.nextCursor = encodeRankCursor({ fp, live: last.live ? 1 : 0, stock: stock(last) ? 1 : 0, score: last.score, id: id(last) });
      }
      return shown;
    };
    result.products = page(
      products,
      (r) => r.hit.id,
      (r) => r.rankedInStock,
    ).map((r) => r.hit);
    result.creators = page(
      creators,
      (r) => r.creatorId,
      () => true,
    ).map((r): CreatorHit => ({ kind: 'creator', id: r.creatorId, name: r.name, agencyId: r.agencyId, liveNow: r.live }));
    result.rooms = page(
      rooms,
      (r) => r.roomId,
      () => true,
    ).map(
      (r): RoomHit => ({
        kind: 'room',
        id: r.roomId,
        title: r.title,
        creatorId: r.creatorId,
        creatorName: r.creatorName,
        status: r.status,
        scheduledAt: r.scheduledAt,
        liveNow: r.live,
      }),
    );
    if (clips) {
      result.clips = clips.clips;
      if (query.type === 'clips') result.nextCursor = clips.nextCursor;
    }
    this.events.add({
      id: result.searchId,
      q: query.q,
      type: query.type,
      userId,
      results: result.products.length + result.creators.length + result.rooms.length + result.clips.length,
    });
    return result;
  }

  /**
   * Product hits with their stock as the shared pools say now. The index's in-stock flag ranked them; where the pools
   * disagree (sold out since), the hit says what is true and the flag is corrected for the next search.
   */
  private async productHits(rows: Ranked<import('./store.ts').ProductDoc>[]) {
    const lefts = this.stock
      ? await Promise.all(rows.map((r) => this.stock!.left(r.productId, r.skuIds).catch(() => null)))
      : rows.map(() => null);
    return rows.map((r, i) => {
      const left = lefts[i];
      const inStock = left ? left.some((n) => n > 0) : r.inStock;
      if (inStock !== r.inStock) {
        this.store
          .setInStock(r.productId, inStock)
          .catch((err: Error) => this.log.warn({ err: err.message, productId: r.productId }, 'correcting the in-stock flag failed'));
      }
      const hit: ProductHit = {
        kind: 'product',
        id: r.productId,
        shopId: r.shopId,
        shopName: r.shopName,
        title: r.title,
        image: r.image,
        category: r.category,
        currency: r.currency,
        minPrice: r.minPrice,
        maxPrice: r.maxPrice,
        inStock,
        liveNow: r.live,
      };
      // The cursor keeps the flag the row was ranked by, so the next page continues where this one stopped.
      return { hit, live: r.live, score: r.score, rankedInStock: r.inStock };
    });
  }

  /** Records that a result of a search was opened. NOT_FOUND for a search this server did not serve. */
  async click(body: SearchClickBody, userId: string | null): Promise<{ recorded: boolean }> {
    // A click right after its search may come before the search's event is written: write it first.
    if (this.events.holds(body.searchId)) await this.events.flush();
    const recorded = await this.store.recordClick({
      searchId: body.searchId,
      kind: body.kind,
      id: body.id,
      position: body.position,
      userId,
    });
    if (recorded === null) throw AppError.notFound(`Search ${body.searchId}`);
    if (recorded && userId) for (const l of this.clickListeners) l(userId, body.kind, body.id);
    return { recorded };
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Index upkeep (after commits; failures are logged: a search then shows the product as it was until its next change)

  /** Re-indexes products after a committed change (created, edited, archived, restocked). */
  async productsChanged(ids: readonly string[]): Promise<void> {
    await this.store
      .refreshProducts(ids, async (productId, skuIds) => {
        if (!this.stock || !skuIds.length) return null;
        return (await this.stock.left(productId, skuIds)).some((n) => n > 0);
      })
      .catch((err: Error) => this.log.warn({ err: err.message, ids }, 're-indexing products failed'));
  }

  /** Re-indexes a shop's products after its name changed. */
  async shopChanged(shopId: string): Promise<void> {
    const ids = await this.store.productIdsOfShop(shopId);
    for (let i = 0; i < ids.length; i += 500) await this.productsChanged(ids.slice(i, i + 500));
  }

  /** A room was created, went live or ended: its doc and its creator's follow. */
  async roomChanged(room: Room): Promise<void> {
    this.live.invalidate();
    await Promise.all([
      this.store.putRoom(room),
      this.store.upsertCreator({ creatorId: room.creatorId, name: room.creatorName, agencyId: room.agencyId }),
    ]);
  }

  async roomEnded(roomId: string): Promise<void> {
    this.live.invalidate();
    await this.store.removeRoom(roomId);
  }
}

export type { RankCursor };
