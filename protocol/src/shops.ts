/**
 * Shops and their products (docs/commerce.md, "Shops and products"): a shop belongs to one owner account (a merchant,
 * or a creator running their own shop), has staff who manage its products, and owns products with ordered images,
 * attributes (colour, size...) and SKUs made of attribute-value combinations. Durable in PostgreSQL.
 *
 * Money is an integer number of minor units in the shop's one currency (ISO 4217), as everywhere else.
 */
import { z } from 'zod';
import { Currency, MinorUnits, StockCount } from './commerce.ts';
import { EpochMs, Id, ImageUrl, PlainText } from './common.ts';

// ---------------------------------------------------------------------------------------------------------------------
// Limits. Each is named in `details.limit` of the QUOTA_EXCEEDED error that enforces it (docs/commerce.md lists them).

/**
 * SKUs one product may have. The full matrix (the product of every attribute's value count) must not exceed it either,
 * so any set of combinations, and every SKU added later, stays within it.
 */
export const SKUS_PER_PRODUCT = 200;
/** Attributes (colour, size, material...) one product may have. */
export const ATTRIBUTES_PER_PRODUCT = 3;
/** Values one attribute may have. */
export const VALUES_PER_ATTRIBUTE = 20;
/** Images one product may have (at least one). */
export const IMAGES_PER_PRODUCT = 9;
/** Staff members one shop may have (its owner not counted). */
export const STAFF_PER_SHOP = 50;

/** The full SKU matrix of `attributes`: how many distinct combinations their values make (1 without attributes). */
export function skuMatrixSize(attributes: readonly { values: readonly unknown[] }[]): number {
  return attributes.reduce((n, a) => n * a.values.length, 1);
}

// ---------------------------------------------------------------------------------------------------------------------
// Scalars

/**
 * Multi-line human text of bounded length (descriptions, return policies): line breaks and tabs kept (\r\n becomes
 * \n), other control and invisible characters removed, trimmed. Plain text: never rendered as HTML.
 */
export const LongText = (max: number) =>
  z
    .string()
    .max(max * 4)
    .transform((s) =>
      s
        .replace(/\r\n?/g, '\n')
        // Control and invisible characters are exactly what this strips (tab and line feed are kept).
        // biome-ignore lint/suspicious/noControlCharactersInRegex: the class lists the characters to remove
        .replace(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u200b-\u200f\u2028-\u202e\u2060-\u206f\ufeff]/g, '')
        .trim(),
    )
    .pipe(z.string().max(max));

/**
 * A shop logo or product image: the same rule as room products' images (common.ts ImageUrl: an https URL on a public
 * host, or a same-origin path under /samples/ or /uploads/).
 */
export const ShopImageUrl = ImageUrl;

/** A category id (the platform's category tree lives outside Hawker): bounded, URL-safe, e.g. `apparel.tshirts`. */
export const CategoryId = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, 'must be 1-64 chars of A-Z a-z 0-9 . _ - (a category id)');

/** An attribute's name, e.g. "Colour". Unique within a product (case-insensitive). */
export const AttributeName = PlainText(30);
/** One value of an attribute, e.g. "Red" or "XL". Unique within its attribute (case-insensitive). */
export const AttributeValue = PlainText(40);

/** The merchant's own SKU code (their warehouse's id): unique within the product, exactly as written. */
export const SkuCode = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._/-]{0,63}$/, 'must be 1-64 chars of A-Z a-z 0-9 . _ / - (the SKU code)');

/** A price: minor units, at least 1. */
export const ShopPrice = MinorUnits.min(1);

// ---------------------------------------------------------------------------------------------------------------------
// Shops

/** A merchant's shop, or a creator's own shop. */
export const ShopKind = z.enum(['merchant', 'creator']);
export type ShopKind = z.infer<typeof ShopKind>;

export const ContactEmail = z.email().max(254);
export const ContactPhone = z
  .string()
  .regex(/^\+?[0-9][0-9 ()-]{3,30}$/, 'must be a phone number: digits, spaces, ( ) -, optional leading +');

/** How buyers reach the shop. Omitted or null fields are not shown. */
export const ShopContactInput = z.strictObject({
  email: ContactEmail.nullable().optional(),
  phone: ContactPhone.nullable().optional(),
});

/** POST /api/shops */
export const CreateShopBody = z.strictObject({
  name: PlainText(60),
  logoUrl: ShopImageUrl.nullable().optional(),
  /** The one currency of every price in the shop. */
  currency: Currency,
  contact: ShopContactInput.optional(),
  returnPolicy: LongText(2_000).nullable().optional(),
  /** Admins only: open the shop for this account (default: the caller). */
  ownerId: Id.optional(),
  /** Default: the caller's own kind (a merchant opens a merchant shop, a creator a creator shop; admins: merchant). */
  kind: ShopKind.optional(),
});
export type CreateShopBody = z.infer<typeof CreateShopBody>;

/** PATCH /api/shops/:shopId (the owner or an admin). `currency` can change only while the shop has no products. */
export const UpdateShopBody = z
  .strictObject({
    name: PlainText(60).optional(),
    logoUrl: ShopImageUrl.nullable().optional(),
    currency: Currency.optional(),
    contact: ShopContactInput.optional(),
    returnPolicy: LongText(2_000).nullable().optional(),
  })
  .refine((b) => Object.keys(b).length > 0, { message: 'nothing to update' });
export type UpdateShopBody = z.infer<typeof UpdateShopBody>;

export const ShopParams = z.strictObject({ shopId: Id });
export const ShopStaffParams = z.strictObject({ shopId: Id, userId: Id });

export const Shop = z.object({
  id: Id,
  ownerId: Id,
  kind: ShopKind,
  name: z.string(),
  logoUrl: z.string().nullable(),
  currency: Currency,
  contact: z.object({ email: z.string().nullable(), phone: z.string().nullable() }),
  returnPolicy: z.string().nullable(),
  createdAt: EpochMs,
  updatedAt: EpochMs,
});
export type Shop = z.infer<typeof Shop>;

/** PUT / DELETE /api/shops/:shopId/staff/:userId answer: the shop's staff after the change (user ids, oldest first). */
export const ShopStaff = z.object({ shopId: Id, staff: z.array(Id) });
export type ShopStaff = z.infer<typeof ShopStaff>;

/** A shop the caller owns or works for, with its staff. */
export const MyShop = Shop.extend({ as: z.enum(['owner', 'staff']), staff: z.array(Id) });
export type MyShop = z.infer<typeof MyShop>;

/** GET /api/me/shops */
export const MyShops = z.object({ shops: z.array(MyShop) });
export type MyShops = z.infer<typeof MyShops>;

// ---------------------------------------------------------------------------------------------------------------------
// Shop products

export const ShopProductStatus = z.enum(['active', 'archived']);
export type ShopProductStatus = z.infer<typeof ShopProductStatus>;

export const ProductAttributeInput = z.strictObject({
  name: AttributeName,
  values: z.array(AttributeValue).min(1).max(VALUES_PER_ATTRIBUTE),
});

/** A new SKU: its combination (one value per attribute, in the attributes' order), code, prices and initial stock. */
export const NewSkuInput = z.strictObject({
  values: z.array(AttributeValue).max(ATTRIBUTES_PER_PRODUCT),
  code: SkuCode,
  price: ShopPrice,
  /** The "was" price shown struck through; when set it must exceed `price`. */
  compareAtPrice: ShopPrice.nullable().optional(),
  /** Units the SKU starts with. */
  stock: StockCount,
});
export type NewSkuInput = z.infer<typeof NewSkuInput>;

/**
 * POST /api/shops/:shopId/products. Besides the shapes below: attribute names unique, values unique within their
 * attribute (both case-insensitive), every SKU one existing value per attribute, each combination and each code at most
 * once, compare-at above price (BAD_REQUEST, nothing created); the full matrix at most SKUS_PER_PRODUCT, the shop's
 * product count and the body size (QUOTA_EXCEEDED naming the limit).
 */
export const CreateShopProductBody = z.strictObject({
  title: PlainText(120),
  description: LongText(5_000).optional(),
  /** Ordered: the first is the cover. */
  images: z.array(ShopImageUrl).min(1).max(IMAGES_PER_PRODUCT),
  category: CategoryId,
  attributes: z.array(ProductAttributeInput).max(ATTRIBUTES_PER_PRODUCT).optional(),
  skus: z.array(NewSkuInput).min(1).max(SKUS_PER_PRODUCT),
});
export type CreateShopProductBody = z.infer<typeof CreateShopProductBody>;

/** An edit of an existing SKU (by id). Stock is not edited here: it moves only through the stock module. */
export const SkuEditInput = z.strictObject({
  id: Id,
  code: SkuCode.optional(),
  price: ShopPrice.optional(),
  /** null removes it. */
  compareAtPrice: ShopPrice.nullable().optional(),
});

/**
 * PATCH /api/products/:productId. Every edit bumps `version` once. Attribute values and SKUs can be added, not removed
 * (orders may name them); an existing SKU's code and prices can change, its combination and stock cannot.
 */
export const UpdateShopProductBody = z
  .strictObject({
    /** Refuse (CONFLICT) unless the product is still at this version: no silent overwrite of someone else's edit. */
    expectedVersion: z.number().int().min(1).optional(),
    title: PlainText(120).optional(),
    description: LongText(5_000).optional(),
    images: z.array(ShopImageUrl).min(1).max(IMAGES_PER_PRODUCT).optional(),
    category: CategoryId.optional(),
    /** Values appended to existing attributes (by name). */
    addValues: z
      .array(z.strictObject({ attribute: AttributeName, values: z.array(AttributeValue).min(1).max(VALUES_PER_ATTRIBUTE) }))
      .min(1)
      .max(ATTRIBUTES_PER_PRODUCT)
      .optional(),
    skus: z.array(SkuEditInput).min(1).max(SKUS_PER_PRODUCT).optional(),
    addSkus: z.array(NewSkuInput).min(1).max(SKUS_PER_PRODUCT).optional(),
  })
  .refine((b) => Object.keys(b).some((k) => k !== 'expectedVersion'), { message: 'nothing to update' });
export type UpdateShopProductBody = z.infer<typeof UpdateShopProductBody>;

export const ShopProductIdParams = z.strictObject({ productId: Id });

/** GET /api/shops/:shopId/products: newest first, keyset paging. */
export const ListShopProductsQuery = z.strictObject({
  status: ShopProductStatus.optional(),
  limit: z.coerce.number().int().min(1).max(100).default(20),
  /** The `nextCursor` of the previous page. */
  cursor: z.string().min(1).max(256).optional(),
});
export type ListShopProductsQuery = z.infer<typeof ListShopProductsQuery>;

export const ShopProductAttribute = z.object({ name: z.string(), values: z.array(z.string()) });
export type ShopProductAttribute = z.infer<typeof ShopProductAttribute>;

export const ShopSku = z.object({
  id: Id,
  /** One value per attribute, in the attributes' order ([] for a product without attributes). */
  values: z.array(z.string()),
  code: z.string(),
  price: z.number().int(),
  compareAtPrice: z.number().int().nullable(),
  /** Units the SKU was created with. Live counts come from the stock module (one stock per SKU across channels). */
  initialStock: z.number().int(),
});
export type ShopSku = z.infer<typeof ShopSku>;

export const ShopProduct = z.object({
  id: Id,
  shopId: Id,
  status: ShopProductStatus,
  /** 1 at creation, +1 per edit (orders keep the version they bought). */
  version: z.number().int(),
  title: z.string(),
  description: z.string(),
  images: z.array(z.string()),
  category: z.string(),
  /** The shop's currency. */
  currency: Currency,
  attributes: z.array(ShopProductAttribute),
  /** In creation order. */
  skus: z.array(ShopSku),
  createdAt: EpochMs,
  updatedAt: EpochMs,
  archivedAt: EpochMs.nullable(),
});
export type ShopProduct = z.infer<typeof ShopProduct>;

/** A product in a listing: what a storefront grid shows, without the SKU matrix. */
export const ShopProductSummary = z.object({
  id: Id,
  shopId: Id,
  status: ShopProductStatus,
  version: z.number().int(),
  title: z.string(),
  /** The cover (first image). */
  image: z.string(),
  category: z.string(),
  currency: Currency,
  minPrice: z.number().int(),
  maxPrice: z.number().int(),
  skuCount: z.number().int(),
  createdAt: EpochMs,
  updatedAt: EpochMs,
});
export type ShopProductSummary = z.infer<typeof ShopProductSummary>;

export const ShopProductList = z.object({ products: z.array(ShopProductSummary), nextCursor: z.string().nullable() });
export type ShopProductList = z.infer<typeof ShopProductList>;
