import { AppError } from '../kernel/errors.ts';
import { SKUS_PER_PRODUCT, skuMatrixSize, VALUES_PER_ATTRIBUTE } from '@hawker/protocol';

/** An attribute as a product holds it: a name and its ordered values. */
export interface AttributeModel {
  name: string;
  values: string[];
}

/** A SKU as a product will hold it after a create or an edit, with where it came from in the request (error paths). */
export interface SkuModel {
  values: string[];
  code: string;
  price: number;
  compareAtPrice: number | null;
  /** Request path of this SKU (`skus.3`, `addSkus.0`) or, for an existing SKU the request did not touch, `sku <id>`. */
  at: string;
}

/** Case- and normalisation-insensitive key: "Red" and "red" are the same attribute value to a buyer. */
export const sameText = (s: string): string => s.normalize('NFC').toLowerCase();

/**
 * The rules a product's attributes and SKUs obey together, checked on the whole product as it will be (a new one, or
 * an existing one with an edit applied), so creating and editing cannot disagree. Throws, changing nothing:
 * - BAD_REQUEST: attribute names not unique, values not unique within their attribute (both case-insensitive); a SKU
 *   that is not exactly one existing value per attribute, a combination or a code used twice, a compare-at price not
 *   above the price. `details` lists the issues (path, message), like a schema error.
 * - QUOTA_EXCEEDED: an attribute with more than VALUES_PER_ATTRIBUTE values, a full matrix (the product of the value
 *   counts) above SKUS_PER_PRODUCT, or more SKUs than that.
 * PostgreSQL's constraints (migration 0002) hold the same rules, should anything get past this.
 */
export function checkProduct(attributes: readonly AttributeModel[], skus: readonly SkuModel[]): void {
  const issues: { path: string; message: string }[] = [];
  const names = new Map<string, number>();
  attributes.forEach((a, i) => {
    const first = names.get(sameText(a.name));
    if (first !== undefined) issues.push({ path: `attributes.${i}.name`, message: `attribute "${a.name}" is already attribute ${first}` });
    else names.set(sameText(a.name), i);
    const values = new Set<string>();
    a.values.forEach((v, j) => {
      if (values.has(sameText(v)))
        issues.push({ path: `attributes.${i}.values.${j}`, message: `"${v}" is already a value of "${a.name}"` });
      values.add(sameText(v));
    });
  });
  refuse(issues);

  for (const a of attributes) {
    if (a.values.length > VALUES_PER_ATTRIBUTE) {
      throw AppError.quotaExceeded(
        'VALUES_PER_ATTRIBUTE',
        VALUES_PER_ATTRIBUTE,
        `Attribute "${a.name}" would have ${a.values.length} values; an attribute has at most ${VALUES_PER_ATTRIBUTE}: add fewer`,
      );
    }
  }
  const matrix = skuMatrixSize(attributes);
  if (matrix > SKUS_PER_PRODUCT) {
    throw AppError.quotaExceeded(
      'SKUS_PER_PRODUCT',
      SKUS_PER_PRODUCT,
      `These attributes make ${matrix} combinations (${attributes.map((a) => a.values.length).join(' x ')}); a product has at most ${SKUS_PER_PRODUCT}: use fewer values or split the product`,
    );
  }
  if (skus.length > SKUS_PER_PRODUCT) {
    throw AppError.quotaExceeded('SKUS_PER_PRODUCT', SKUS_PER_PRODUCT, `A product has at most ${SKUS_PER_PRODUCT} SKUs; add fewer`);
  }

  const combinations = new Map<string, string>();
  const codes = new Map<string, string>();
  for (const s of skus) {
    if (s.values.length !== attributes.length) {
      issues.push({
        path: `${s.at}.values`,
        message: `needs exactly one value for each attribute (${attributes.map((a) => a.name).join(', ') || 'none'}), in that order`,
      });
    } else {
      s.values.forEach((v, i) => {
        const attr = attributes[i]!;
        if (!attr.values.includes(v)) issues.push({ path: `${s.at}.values.${i}`, message: `"${v}" is not a value of "${attr.name}"` });
      });
      // Values cannot contain control characters (PlainText strips them), so \u0000 separates them unambiguously.
      const key = s.values.join('\u0000');
      const other = combinations.get(key);
      if (other !== undefined) issues.push({ path: `${s.at}.values`, message: `the same combination as ${other}` });
      else combinations.set(key, s.at);
    }
    const sameCode = codes.get(s.code);
    if (sameCode !== undefined) issues.push({ path: `${s.at}.code`, message: `code "${s.code}" is already used by ${sameCode}` });
    else codes.set(s.code, s.at);
    if (s.compareAtPrice !== null && s.compareAtPrice <= s.price) {
      issues.push({
        path: `${s.at}.compareAtPrice`,
        message: `the compare-at price (${s.compareAtPrice}) must exceed the price (${s.price})`,
      });
    }
  }
  refuse(issues);
}

/** Throws BAD_REQUEST for the first issue (details: up to 10), like a schema error at the edge. */
export function refuse(issues: readonly { path: string; message: string }[]): void {
  const first = issues[0];
  if (!first) return;
  throw AppError.badRequest(`Invalid body.${first.path}: ${first.message}`, issues.slice(0, 10));
}
