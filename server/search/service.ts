import type { ClipHit, CreatorHit, ProductHit, Room, RoomHit, SearchClickBody, SearchQuery, SearchResult } from '@hawker/protocol';
import { AppError } from '../kernel/errors.ts';
import { newId } from '../kernel/ids.ts';
import type { Logger } from '../kernel/log.ts';
import { decodeRankCursor, encodeRankCursor, fingerprint, type RankCursor } from './cursor.ts';
import { SearchEventBuffer } from './events.ts';
import type { LiveView } from './live.ts';
import type { Ranked, SearchStore } from './store.ts';
import { queryTerms } from './terms.ts';

/** Units left now per SKU of a product, from the shared pools (server/stock); missing pools read 0. */
export interface StockLeft {
  left(productId: string, skuIds: readonly string[]): Promise<number[]>;
}

/** What indexing a clip reads from the clips domain (server/recording): the clip and its attached products. */
export interface ClipIndexSource {
  clip(clipId: string): Promise<{
    id: string;
    roomId: string;
    creatorId: string;
    title: string;
    published: boolean;
    /** The attached products as the room sells them now, in the clip's order. */
    products: { id: string; title: string; imageUrl: string }[];
  } | null>;
}

/** Product docs re-indexed per page by the start's catch-up of docs made by older terms code. */
export const PRODUCTS_CATCH_UP_PAGE = 200;

/** Published clips read per page by the start's catch-up (it pages through all of them; memory stays one page). */
export const CLIPS_CATCH_UP_PAGE = 1_000;

/**
 * Search (人找货) over shop products, creators, rooms and published clips, and the index's upkeep. Ranking: live now
 * first, then in stock, then relevance (docs/centre-field.md, "Search"). Every search and every click is recorded for
 * the funnel.
 */
export class SearchService {
  constructor(
    readonly store: SearchStore,
    readonly live: LiveView,
    private readonly stock: StockLeft | null,
    private readonly log: Pick<Logger, 'warn'>,
    private clips: ClipIndexSource | null = null,
  ) {
    this.events = new SearchEventBuffer(store, log);
  }

  /** Search events, written in batches off the request path. */
  readonly events: SearchEventBuffer;
  /** Told of every recorded click on a result by a signed-in user (the crowd pipeline, issue 19); they must not throw. */
  readonly clickListeners: ((userId: string, kind: SearchClickBody['kind'], id: string) => void)[] = [];

  private closed = false;
  private catchingUp: Promise<unknown> = Promise.resolve();
  private catchingUpProducts: Promise<unknown> = Promise.resolve();

  async close(): Promise<void> {
    this.closed = true;
    await Promise.all([this.catchingUp, this.catchingUpProducts]);
    await this.events.close();
  }

  /** Starts re-indexing product docs made by older terms code (at a node's start; see catchUpProducts). */
  startProductCatchUp(): void {
    this.catchingUpProducts = this.catchUpProducts().catch((err: Error) =>
      this.log.warn({ err: err.message }, 're-indexing products made by older search code failed'),
    );
  }

  /**
   * Re-indexes, page by page (PRODUCTS_CATCH_UP_PAGE) in id order, the product docs whose terms older code made
   * (`PRODUCT_TERMS_VERSION`: since version 1 the description is searched), until none is left or the node closes.
   * Idempotent: nodes starting together each rewrite the same docs to the same terms. Returns how many it re-indexed.
   */
  async catchUpProducts(): Promise<number> {
    let done = 0;
    let after = '';
    while (!this.closed) {
      const ids = await this.store.staleProducts(PRODUCTS_CATCH_UP_PAGE, after);
      if (!ids.length) break;
      // Not productsChanged: its failures are only logged, and a page that failed must stop the catch-up, not loop.
      done += await this.store.refreshProducts(ids, this.inStock);
      after = ids[ids.length - 1]!;
    }
    return done;
  }

  /** Where clips are read from for indexing (the clips domain is made after search); starts the catch-up. */
  useClips(source: ClipIndexSource): void {
    this.clips = source;
    this.catchingUp = this.catchUpClips().catch((err: Error) => this.log.warn({ err: err.message }, 'indexing published clips failed'));
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
      want('clips') ? this.store.searchClips(expanded, [...snap.creators.keys()], n, cursor) : null,
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
    result.clips = page(
      clips,
      (r) => r.clipId,
      () => true,
    ).map(
      (r): ClipHit => ({
        kind: 'clip',
        id: r.clipId,
        title: r.title,
        roomId: r.roomId,
        creatorId: r.creatorId,
        creatorName: r.creatorName,
        productId: r.productId,
        image: r.image,
        liveNow: r.live,
      }),
    );
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

  /** Whether a product has units left now (the shared pools); null without an answer (its durable total decides). */
  private readonly inStock = async (productId: string, skuIds: string[]): Promise<boolean | null> => {
    if (!this.stock || !skuIds.length) return null;
    return (await this.stock.left(productId, skuIds)).some((n) => n > 0);
  };

  /** Re-indexes products after a committed change (created, edited, archived, restocked). */
  async productsChanged(ids: readonly string[]): Promise<void> {
    await this.store
      .refreshProducts(ids, this.inStock)
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

  /**
   * A clip was published or deleted (or its products changed): indexed while published, out of the index otherwise.
   * Failures are logged (the start's catch-up indexes a published clip missed).
   */
  async clipChanged(clipId: string): Promise<void> {
    if (!this.clips) return;
    try {
      const clip = await this.clips.clip(clipId);
      if (!clip?.published) {
        await this.store.removeClip(clipId);
        return;
      }
      const first = clip.products[0];
      // The creator's name and shop products' titles are read by the store in its transaction (renames race safely).
      await this.store.putClip({
        clipId: clip.id,
        roomId: clip.roomId,
        creatorId: clip.creatorId,
        title: clip.title,
        productId: first?.id ?? null,
        image: first?.imageUrl ?? null,
        published: true,
        products: clip.products.map((p) => ({ id: p.id, title: p.title })),
      });
    } catch (err) {
      this.log.warn({ err: (err as Error).message, clipId }, 'indexing a clip failed');
    }
  }

  /**
   * A room's own product (server/catalog, in Redis: no transaction to share) was edited: the clips naming it are indexed
   * again from the clips domain, page by page. Failures are logged per clip; the clip then keeps its old title until
   * its next change.
   */
  async roomProductChanged(productId: string): Promise<void> {
    if (!this.clips) return;
    let after = '';
    for (;;) {
      const ids = await this.store.clipIdsOfProduct(productId, after, 500).catch((err: Error) => {
        this.log.warn({ err: err.message, productId }, 're-indexing the clips of a product failed');
        return [] as string[];
      });
      for (const id of ids) await this.clipChanged(id);
      if (ids.length < 500 || this.closed) return;
      after = ids[ids.length - 1]!;
    }
  }

  /**
   * Indexes published clips missing from the index (at start), page by page (CLIPS_CATCH_UP_PAGE) in id order, until
   * none is left or the node closes. Returns how many were found missing.
   */
  async catchUpClips(): Promise<number> {
    if (!this.clips) return 0;
    let found = 0;
    let after = '';
    while (!this.closed) {
      const ids = await this.store.unindexedClips(CLIPS_CATCH_UP_PAGE, after);
      found += ids.length;
      for (const id of ids) {
        if (this.closed) break;
        await this.clipChanged(id);
      }
      if (ids.length < CLIPS_CATCH_UP_PAGE) break;
      after = ids[ids.length - 1]!;
    }
    return found;
  }

  async roomEnded(roomId: string): Promise<void> {
    this.live.invalidate();
    await this.store.removeRoom(roomId);
  }
}

export type { RankCursor };
