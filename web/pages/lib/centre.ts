/**
 * What the centre pages (search, storefronts; issue 19) share: the search box, product cards, price ranges and the
 * "live now" badge. Strings are in lib/messages/centre.ts.
 */
import { HawkerApi } from '@hawker/client-sdk';
import { h, icon } from './dom.ts';
import { money } from './format.ts';
import { t } from './i18n.ts';
import './messages/centre.ts';
import './messages/shop.ts';
import { loadIdentity } from './identity.ts';

/** The REST client as the visitor is: signed in (their token credits searches and places orders) or not (reads only). */
export function centreApi(): HawkerApi {
  return new HawkerApi(location.origin, loadIdentity()?.token ?? '');
}

/**
 * A search box that opens /search with the query (a plain GET form: it works before any script on the page, and the
 * landing page, the search page and storefronts share it).
 */
export function searchForm(q = '', testId = 'search-form'): HTMLFormElement {
  const input = h('input', {
    attrs: {
      type: 'search',
      name: 'q',
      value: q,
      required: true,
      maxlength: 64,
      enterkeyhint: 'search',
      autocomplete: 'off',
      placeholder: t('centre.search.placeholder'),
      'aria-label': t('centre.search.label'),
      'data-testid': 'search-input',
    },
  });
  return h(
    'form',
    { class: 'search-box', attrs: { role: 'search', action: '/search', method: 'get', 'data-testid': testId } },
    input,
    h('button', { class: 'btn btn-primary', attrs: { type: 'submit', 'data-testid': 'search-submit' } }, t('centre.search.go')),
  );
}

/** A price or price range: "¥99.00" or "¥99.00 – ¥129.00". */
export function priceRange(min: number, max: number, currency: string): string {
  return min === max ? money(min, currency) : `${money(min, currency)} – ${money(max, currency)}`;
}

/** The "LIVE" badge of something selling or streaming now. */
export function liveBadge(): HTMLElement {
  return h('span', { class: 'pill pill-live', text: t('centre.liveNow') });
}

export interface CardProduct {
  id: string;
  title: string;
  image: string;
  currency: string;
  minPrice: number;
  maxPrice: number;
  inStock: boolean;
  liveNow: boolean;
  /** A second line: the shop's name, or units left. */
  sub?: string;
}

/** A product card linking to its detail page; `onOpen` runs before the link is followed (search records the click). */
export function productCard(p: CardProduct, onOpen?: (e: MouseEvent) => void): HTMLElement {
  const link = h(
    'a',
    {
      class: 'product-card',
      attrs: { href: `/store?product=${encodeURIComponent(p.id)}`, 'data-testid': 'product-card', 'data-id': p.id },
    },
    h('img', { attrs: { src: p.image, alt: '', loading: 'lazy' } }),
    h(
      'span',
      { class: 'product-card-body' },
      h('span', { class: 'product-card-title', text: p.title }),
      p.sub ? h('span', { class: 'small muted', text: p.sub }) : null,
      h('span', { class: 'product-card-price', text: priceRange(p.minPrice, p.maxPrice, p.currency) }),
      h(
        'span',
        { class: 'product-card-tags' },
        p.liveNow ? liveBadge() : null,
        h('span', { class: `pill ${p.inStock ? 'pill-ok' : 'pill-bad'}`, text: p.inStock ? t('centre.inStock') : t('shop.soldOut') }),
      ),
    ),
  );
  if (onOpen) link.addEventListener('click', onOpen);
  return link;
}

/** A row linking to a creator's storefront, a room or a clip. */
export function entityRow(opts: {
  href: string;
  title: string;
  sub: string;
  liveNow: boolean;
  kind: 'creator' | 'room' | 'clip';
  id: string;
  onOpen?: (e: MouseEvent) => void;
  /** A poster in place of the icon (a clip's product picture). */
  image?: string | null;
}): HTMLElement {
  const link = h(
    'a',
    { class: 'entity-row', attrs: { href: opts.href, 'data-testid': `${opts.kind}-row`, 'data-id': opts.id } },
    opts.image
      ? h('img', { class: 'entity-poster', attrs: { src: opts.image, alt: '', width: 44, height: 44, loading: 'lazy' } })
      : h('span', { class: 'entity-icon' }, icon(opts.kind === 'creator' ? 'eye' : 'play')),
    h(
      'span',
      { class: 'entity-body' },
      h('span', { class: 'title', text: opts.title }),
      h('span', { class: 'small muted', text: opts.sub }),
    ),
    opts.liveNow ? liveBadge() : null,
  );
  if (opts.onOpen) link.addEventListener('click', opts.onOpen);
  return link;
}

/** A row linking to a creator's storefront, as search results and an agency's storefront list them. */
export function creatorRow(creator: { id: string; name: string; liveNow: boolean }, onOpen?: (e: MouseEvent) => void): HTMLElement {
  return entityRow({
    kind: 'creator',
    id: creator.id,
    href: `/store?creator=${encodeURIComponent(creator.id)}`,
    title: creator.name,
    sub: t('centre.creator'),
    liveNow: creator.liveNow,
    onOpen,
  });
}
