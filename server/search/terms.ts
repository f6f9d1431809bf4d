/**
 * Search terms, made the same way for documents and queries (docs/centre-field.md, "Search"). PostgreSQL 15 on Debian
 * has no Chinese parser, and pg_trgm cannot index a term shorter than three characters, so:
 * - CJK runs (Han, kana, Hangul) become character bigrams; a document also gets its unigrams, so a one-character
 *   query still matches. A query of two or more CJK characters is matched by its bigrams (all must be present), which
 *   is what makes 口红 find 口红 and not 口 or 红 alone.
 * - Latin (and other alphabetic) runs become lowercased words; the query's words match exactly through the terms, or
 *   with typos through pg_trgm's word similarity on the document's `latin` text.
 * Text is NFKC-normalised first (full-width Ａ and half-width katakana fold to their usual forms).
 */

/** CJK ideographs, kana and Hangul: the scripts written without spaces between words. */
const CJK = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}]/u;
/** Runs of CJK characters, or of letters and digits of any other script. */
const RUNS = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}]+|[\p{L}\p{N}]+/gu;

/** NFKC and lowercase: the one normal form of searched text. */
export const normalise = (s: string): string => s.normalize('NFKC').toLowerCase();

/** The runs of a normalised text, split into CJK runs and other words. */
function runs(text: string): { cjk: string[]; words: string[] } {
  const cjk: string[] = [];
  const words: string[] = [];
  for (const m of normalise(text).matchAll(RUNS)) {
    const run = m[0];
    if (CJK.test(run[0]!)) cjk.push(run);
    else words.push(run);
  }
  return { cjk, words };
}

/** Bigrams of a run of CJK characters (code points, not UTF-16 units). */
function bigrams(run: string): string[] {
  const chars = [...run];
  const out: string[] = [];
  for (let i = 0; i + 1 < chars.length; i++) out.push(chars[i]! + chars[i + 1]!);
  return out;
}

/** What a document is indexed by. */
export interface DocTerms {
  /** CJK unigrams and bigrams, and Latin words: the GIN-indexed array. */
  terms: string[];
  /** The Latin words, space-separated (pg_trgm word similarity). */
  latin: string;
  /** The whole text normalised (exact-substring bonus). */
  plain: string;
}

/** Index terms of a document made of `fields` (title, category, shop name...). */
export function docTerms(...fields: string[]): DocTerms {
  const terms = new Set<string>();
  const latin: string[] = [];
  for (const field of fields) {
    const { cjk, words } = runs(field);
    for (const run of cjk) {
      for (const ch of run) terms.add(ch);
      for (const b of bigrams(run)) terms.add(b);
    }
    for (const w of words) {
      terms.add(w);
      latin.push(w);
    }
  }
  return { terms: [...terms], latin: latin.join(' '), plain: normalise(fields.join(' ')) };
}

/** What a query is matched by. */
export interface QueryTerms {
  /** CJK terms that must all be present: bigrams of each run, or the character of a one-character run. */
  cjk: string[];
  /** Latin words: each matched exactly, or the whole as typo-tolerant text. */
  words: string[];
  /** The words space-separated (pg_trgm word similarity against the document's `latin`). */
  latin: string;
  /** The query normalised (exact-substring bonus). */
  plain: string;
}

/** Terms of a query; `empty` when it has no letter or digit at all (only punctuation). */
export function queryTerms(q: string): QueryTerms & { empty: boolean } {
  const { cjk, words } = runs(q);
  const cjkTerms = new Set<string>();
  for (const run of cjk) {
    if ([...run].length === 1) cjkTerms.add(run);
    else for (const b of bigrams(run)) cjkTerms.add(b);
  }
  const uniqueWords = [...new Set(words)];
  return {
    cjk: [...cjkTerms],
    words: uniqueWords,
    latin: uniqueWords.join(' '),
    plain: normalise(q).trim(),
    empty: cjkTerms.size === 0 && uniqueWords.length === 0,
  };
}

/**
 * How much of a product's description is searched: its first characters, where sellers put what the product is.
 * Bounded so one long description cannot make a doc's term array (and the GIN index) thousands of entries long.
 */
export const SEARCH_DESCRIPTION_CHARS = 1_000;

/**
 * The version of the code that makes product docs' terms (`search_products.terms_version`): a node's start
 * re-indexes docs of an older version. 1: the description is searched (migration 0023).
 */
export const PRODUCT_TERMS_VERSION = 1;

/**
 * A product doc's terms: its name fields (title, category, shop name) and the start of its description. Only the name
 * fields make `plain`, so the whole-query bonus (a title containing the query as written) never goes to a match that
 * is only in the description: those rank below name matches, and still match.
 */
export function productTerms(title: string, category: string, shopName: string, description: string): DocTerms {
  const name = docTerms(title, category.replace(/[._-]/g, ' '), shopName);
  if (!description) return name;
  const desc = docTerms([...description].slice(0, SEARCH_DESCRIPTION_CHARS).join(''));
  const terms = new Set(name.terms);
  for (const t of desc.terms) terms.add(t);
  return { terms: [...terms], latin: [name.latin, desc.latin].filter(Boolean).join(' '), plain: name.plain };
}
