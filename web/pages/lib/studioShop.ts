/**
 * The studio's products (issue 17): pick products into the live from the creator's own shop and from merchants open
 * to them (the selection market), create a shop product with several SKUs and an uploaded or linked picture, and,
 * while live, edit a SKU's price, restock it or archive the product. Every change goes through the shops REST API; the
 * room's viewers see prices through `product:updated` and stock through `stock:update` pushes.
 */
import type { HawkerApi, MyShops, Product, SelectionMarket, ShopProduct, ShopProductList } from '@hawker/client-sdk';
import { h, replace } from './dom.ts';
import { money } from './format.ts';
import { t } from './i18n.ts';
import './messages/studio.ts';
import { describeError, toast, withButton } from './ui.ts';

/** SKU rows the form starts with and may grow to (the server allows more; a phone form should not). */
const START_SKUS = 3;
const MAX_FORM_SKUS = 12;

export class StudioShop {
  /** The picker and the new-product form, for the studio's products card. */
  readonly element: HTMLElement;
  private readonly pickList = h('ul', { class: 'list', attrs: { 'data-testid': 'pick-list' } });
  private shopId: string | null = null;
  /** Products whose editor is open: the list is rebuilt on every push, and an open editor must stay open. */
  private readonly editing = new Set<string>();

  constructor(
    private readonly api: HawkerApi,
    private readonly roomId: string,
    private readonly creatorName: string,
    /** The room's list changed (a product added or archived): read it again. */
    private readonly changed: () => Promise<void>,
  ) {
    const pick = h('button', { class: 'btn', text: t('studio.pickOpen'), attrs: { type: 'button', 'data-testid': 'pick-open' } });
    const pickBox = h('div', { class: 'stack', attrs: { hidden: true } }, this.pickList);
    pick.addEventListener('click', () => {
      pickBox.hidden = !pickBox.hidden;
      if (!pickBox.hidden) void withButton(pick, () => this.loadPicks());
    });
    this.element = h(
      'div',
      { class: 'stack spaced' },
      h('div', { class: 'row' }, h('h3', { class: 'grow', text: t('studio.pickTitle') }), pick),
      pickBox,
      h('h3', { text: t('studio.newProduct') }),
      this.form(),
    );
  }

  /** Buttons for one product on the room's list: edit prices and stock (shop products), archive. */
  actions(p: Product): HTMLElement | null {
    if (!p.shopId) return null;
    const edit = h('button', { class: 'btn btn-sm', text: t('studio.edit'), attrs: { type: 'button', 'data-testid': 'edit-product' } });
    const panel = h('div', { class: 'sku-editor stack', attrs: { hidden: true, 'data-testid': 'sku-editor' } });
    const show = (open: boolean) => {
      panel.hidden = !open;
      edit.setAttribute('aria-expanded', String(open));
      if (open) {
        this.editing.add(p.id);
        void this.fillEditor(p.id, panel);
      } else this.editing.delete(p.id);
    };
    edit.addEventListener('click', () => show(panel.hidden));
    show(this.editing.has(p.id));
    return h('div', { class: 'product-actions stack' }, edit, panel);
  }

  private async fillEditor(productId: string, panel: HTMLElement): Promise<void> {
    replace(panel, h('p', { class: 'muted small', text: t('studio.loading') }));
    let sp: ShopProduct;
    try {
      sp = await this.api.call<ShopProduct>('GET', `/api/products/${encodeURIComponent(productId)}`);
    } catch (err) {
      replace(panel, h('p', { class: 'muted small', text: describeError(err) }));
      return;
    }
    const rows = sp.skus.map((sku) => {
      const label = sku.values.join(' / ') || sku.code;
      const price = h('input', {
        attrs: {
          type: 'number',
          min: '0.01',
          step: '0.01',
          value: (sku.price / 100).toFixed(2),
          'aria-label': t('studio.priceOf', { sku: label }),
          'data-testid': 'sku-price',
        },
      });
      const savePrice = h('button', {
        class: 'btn btn-sm',
        text: t('studio.savePrice'),
        attrs: { type: 'button', 'data-testid': 'save-price' },
      });
      savePrice.addEventListener('click', () => {
        const cents = Math.round(Number(price.value) * 100);
        if (!(cents > 0)) return toast(t('studio.priceAboveZero'), 'error');
        void withButton(savePrice, async () => {
          await this.api.call('PATCH', `/api/products/${encodeURIComponent(productId)}`, { skus: [{ id: sku.id, price: cents }] });
          toast(t('studio.priceSaved', { sku: label }), 'ok');
        });
      });
      const units = h('input', {
        attrs: {
          type: 'number',
          min: '1',
          step: '1',
          value: '10',
          'aria-label': t('studio.restockOf', { sku: label }),
          'data-testid': 'restock-units',
        },
      });
      const restock = h('button', { class: 'btn btn-sm', text: t('studio.restock'), attrs: { type: 'button', 'data-testid': 'restock' } });
      restock.addEventListener('click', () => {
        const delta = Math.floor(Number(units.value));
        if (!(delta > 0)) return toast(t('studio.restockAboveZero'), 'error');
        void withButton(restock, async () => {
          const res = await this.api.call<{ stock: { left: number } }>('POST', `/api/products/${encodeURIComponent(productId)}/stock`, {
            skuId: sku.id,
            delta,
          });
          toast(t('studio.restocked', { sku: label, n: res.stock.left }), 'ok');
        });
      });
      return h(
        'div',
        { class: 'sku-row', attrs: { 'data-testid': 'sku-row' } },
        h('b', { class: 'sku-name', text: label }),
        h('div', { class: 'row' }, price, savePrice),
        h('div', { class: 'row' }, units, restock),
      );
    });
    const archive = h('button', {
      class: 'btn btn-sm btn-danger',
      text: t('studio.archive'),
      attrs: { type: 'button', 'data-testid': 'archive' },
    });
    archive.addEventListener('click', () =>
      withButton(archive, async () => {
        await this.api.call('POST', `/api/products/${encodeURIComponent(productId)}/archive`);
        toast(t('studio.archived'), 'ok');
        await this.changed();
      }),
    );
    replace(panel, ...rows, archive);
  }

  /** The products the creator may add: their own shop's, then the market's open ones. */
  private async loadPicks(): Promise<void> {
    replace(this.pickList, h('li', { class: 'empty', text: t('studio.loading') }));
    try {
      const listed = new Set((await this.api.listProducts(this.roomId)).map((p) => p.id));
      const own: { id: string; title: string; image: string; note: string }[] = [];
      const shopId = await this.myShop(false);
      if (shopId) {
        const page = await this.api.call<ShopProductList>(
          'GET',
          `/api/shops/${encodeURIComponent(shopId)}/products?status=active&limit=50`,
        );
        for (const p of page.products) own.push({ id: p.id, title: p.title, image: p.image, note: money(p.minPrice, p.currency) });
      }
      const market = await this.api.call<SelectionMarket>('GET', '/api/selection/market?limit=50');
      const open = market.items
        .filter((x) => x.access === 'open' && !own.some((o) => o.id === x.productId))
        .map((x) => ({
          id: x.productId,
          title: x.title,
          image: x.image,
          note: t('studio.commission', { shop: x.shopName, pct: x.rateBps / 100 }),
        }));
      const all = [...own, ...open].filter((x) => !listed.has(x.id));
      if (!all.length) {
        replace(this.pickList, h('li', { class: 'empty', text: t('studio.pickEmpty') }));
        return;
      }
      replace(
        this.pickList,
        ...all.map((x) => {
          const add = h('button', {
            class: 'btn btn-sm btn-primary',
            text: t('studio.add'),
            attrs: { type: 'button', 'data-testid': 'pick-add' },
          });
          const li = h(
            'li',
            { class: 'list-item product', attrs: { 'data-testid': 'pick', 'data-product-id': x.id } },
            h('img', { attrs: { src: x.image, alt: '' } }),
            h('div', { class: 'meta' }, h('div', { class: 'title', text: x.title }), h('div', { class: 'small muted', text: x.note })),
            add,
          );
          add.addEventListener('click', () =>
            withButton(add, async () => {
              await this.api.selectProduct(this.roomId, x.id);
              li.remove();
              await this.changed();
            }),
          );
          return li;
        }),
      );
    } catch (err) {
      replace(this.pickList, h('li', { class: 'empty', text: describeError(err) }));
    }
  }

  /** The creator's own shop (opened on first use when `create`). */
  private async myShop(create: boolean): Promise<string | null> {
    if (this.shopId) return this.shopId;
    const { shops } = await this.api.call<MyShops>('GET', '/api/me/shops');
    const mine = shops.find((s) => s.as === 'owner');
    if (mine) return (this.shopId = mine.id);
    if (!create) return null;
    const shop = await this.api.call<{ id: string }>('POST', '/api/shops', {
      name: t('studio.shopName', { name: this.creatorName }).slice(0, 60),
      currency: 'USD',
    });
    return (this.shopId = shop.id);
  }

  /** A new shop product: title, picture (uploaded or linked), one attribute and its SKUs (value, price, stock). */
  private form(): HTMLElement {
    const title = h('input', { attrs: { name: 'title', maxlength: 120, required: true, 'data-testid': 'np-title' } });
    // The native picker's button and "no file chosen" are in the browser's language, not the page's: the input is
    // visually hidden (still focusable, still what the label opens) and a translated label and file name stand in.
    const file = h('input', {
      class: 'sr-only file-input',
      attrs: {
        type: 'file',
        id: 'np-file',
        accept: 'image/png,image/jpeg,image/webp',
        'aria-describedby': 'np-file-chosen',
        'data-testid': 'np-file',
      },
    });
    const chosen = h('span', {
      class: 'muted small file-chosen',
      text: t('studio.npNoFile'),
      attrs: { id: 'np-file-chosen', 'aria-live': 'polite', 'data-testid': 'np-file-chosen' },
    });
    const pick = h('label', {
      class: 'btn btn-sm file-pick',
      text: t('studio.npChoose'),
      attrs: { for: 'np-file', 'data-testid': 'np-file-pick' },
    });
    const link = h('input', { attrs: { type: 'url', placeholder: 'https://…', 'data-testid': 'np-link' } });
    const preview = h('img', { class: 'np-preview', attrs: { alt: '', hidden: true } });
    const attribute = h('input', { attrs: { value: t('studio.defaultAttribute'), maxlength: 30, 'data-testid': 'np-attribute' } });
    const skuRows = h('div', { class: 'stack', attrs: { 'data-testid': 'np-skus' } });
    const addRow = () => {
      const n = skuRows.childElementCount + 1;
      const value = h('input', { attrs: { maxlength: 40, 'aria-label': t('studio.skuValueN', { n }), 'data-testid': 'np-sku-value' } });
      const price = h('input', {
        attrs: { type: 'number', min: '0.01', step: '0.01', 'aria-label': t('studio.skuPriceN', { n }), 'data-testid': 'np-sku-price' },
      });
      const stock = h('input', {
        attrs: {
          type: 'number',
          min: '0',
          step: '1',
          value: '20',
          'aria-label': t('studio.skuStockN', { n }),
          'data-testid': 'np-sku-stock',
        },
      });
      skuRows.appendChild(h('div', { class: 'sku-line' }, value, price, stock));
    };
    for (let i = 0; i < START_SKUS; i++) addRow();
    const more = h('button', {
      class: 'btn btn-ghost btn-sm',
      text: t('studio.addSku'),
      attrs: { type: 'button', 'data-testid': 'np-add-sku' },
    });
    more.addEventListener('click', () => {
      if (skuRows.childElementCount < MAX_FORM_SKUS) addRow();
    });
    let uploaded: string | null = null;
    file.addEventListener('change', () => {
      const f = file.files?.[0];
      uploaded = null;
      chosen.textContent = f ? f.name : t('studio.npNoFile');
      if (!f) return;
      void withButton(create, async () => {
        const img = await this.api.uploadImage(f);
        uploaded = img.url;
        preview.src = img.url;
        preview.hidden = false;
        toast(t('studio.uploaded'), 'ok');
      });
    });
    const create = h('button', {
      class: 'btn btn-primary',
      text: t('studio.createProduct'),
      attrs: { type: 'submit', 'data-testid': 'np-create' },
    });
    const form = h(
      'form',
      {
        class: 'stack new-product',
        on: {
          submit: (e) => {
            e.preventDefault();
            const skus = Array.from(skuRows.querySelectorAll('.sku-line'))
              .map((row, i) => {
                const [v, p, s] = Array.from(row.querySelectorAll('input'));
                return {
                  values: [v!.value.trim()],
                  code: `SKU-${i + 1}`,
                  price: Math.round(Number(p!.value) * 100),
                  stock: Math.floor(Number(s!.value) || 0),
                };
              })
              .filter((s) => s.values[0]);
            const image = uploaded ?? link.value.trim();
            if (!title.value.trim() || !image || !skus.length || skus.some((s) => !(s.price > 0))) {
              toast(t('studio.formIncomplete'), 'error');
              return;
            }
            void withButton(create, async () => {
              const shopId = await this.myShop(true);
              const product = await this.api.call<ShopProduct>('POST', `/api/shops/${encodeURIComponent(shopId!)}/products`, {
                title: title.value.trim(),
                images: [image],
                category: 'general',
                attributes: [{ name: attribute.value.trim() || t('studio.defaultAttribute'), values: skus.map((s) => s.values[0]!) }],
                skus,
              });
              await this.api.selectProduct(this.roomId, product.id);
              toast(t('studio.created'), 'ok');
              form.reset();
              chosen.textContent = t('studio.npNoFile');
              uploaded = null;
              preview.hidden = true;
              await this.changed();
            });
          },
        },
      },
      h('label', { class: 'field' }, t('studio.npTitle'), title),
      h(
        'div',
        { class: 'row wrap' },
        h(
          'div',
          { class: 'field grow', attrs: { role: 'group', 'aria-labelledby': 'np-file-field' } },
          h('span', { text: t('studio.npUpload'), attrs: { id: 'np-file-field' } }),
          // The input comes first so its keyboard focus can show on the label that follows it (style.css).
          h('div', { class: 'row file-row' }, file, pick, chosen),
        ),
        preview,
      ),
      h('label', { class: 'field' }, t('studio.npLink'), link),
      h('label', { class: 'field' }, t('studio.npAttribute'), attribute),
      h(
        'div',
        { class: 'sku-line sku-head', attrs: { 'aria-hidden': 'true' } },
        h('span', { text: t('studio.skuValue') }),
        h('span', { text: t('studio.skuPrice') }),
        h('span', { text: t('studio.skuStock') }),
      ),
      skuRows,
      more,
      create,
    );
    return form;
  }
}
