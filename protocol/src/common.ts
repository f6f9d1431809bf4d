import { z } from 'zod';

/** Opaque ids: short, URL-safe, bounded, so they are safe inside Redis keys and room names. */
export const Id = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'must be 1-64 chars of A-Z a-z 0-9 _ -');
export type Id = z.infer<typeof Id>;

/** Milliseconds since the epoch (server clock). */
export const EpochMs = z.number().int().min(0).max(8_640_000_000_000_000);

/** An http(s) URL of bounded length (cover images, product images). */
export const HttpUrl = z.url({ protocol: /^https?$/ }).max(2048);

/** Human text of bounded length with control characters removed (titles, names). */
export const PlainText = (max: number) =>
  z
    .string()
    .max(max * 4)
    // Control and invisible characters are exactly what this strips.
    // biome-ignore lint/suspicious/noControlCharactersInRegex: the class lists the characters to remove
    .transform((s) => s.replace(/[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u2028-\u202e\u2060-\u206f\ufeff]/g, '').trim())
    .pipe(z.string().min(1, 'must not be empty').max(max));
