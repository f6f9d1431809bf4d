/**
 * Image uploads (issue 17, docs/uploads.md): creators and merchants upload product pictures. The body is the image's
 * raw bytes (any Content-Type; the server judges the bytes alone). Only PNG, JPEG and WebP are kept, stripped of their
 * metadata (EXIF, XMP, text chunks, comments, colour profiles; a JPEG's orientation is kept), stored once under a
 * name made of the SHA-256 of the stripped bytes and served from `/uploads/<sha256>.<ext>` with `nosniff` and their
 * own content type. Such a path is an ImageUrl (common.ts), so products may point at it.
 *
 * Refusals, each with nothing stored: over UPLOAD_MAX_BYTES → PAYLOAD_TOO_LARGE (details.limit, details.max); any other
 * type (SVG, HTML, GIF, a renamed file...) → UNSUPPORTED_MEDIA_TYPE (details.allowed); a damaged image → BAD_REQUEST;
 * over the uploader's UPLOAD_QUOTA_BYTES_PER_USER → QUOTA_EXCEEDED; a role that may not upload → FORBIDDEN.
 */
import { z } from 'zod';

/** POST here with the image's bytes as the body. */
export const UPLOAD_IMAGE_PATH = '/api/uploads/images';

/** The image types kept, by what their bytes say. */
export const UploadImageType = z.enum(['image/png', 'image/jpeg', 'image/webp']);
export type UploadImageType = z.infer<typeof UploadImageType>;

/** The answer to an upload (201 when stored now, 200 when this uploader had stored the same picture before). */
export const UploadedImage = z.object({
  /** Same-origin path to put in a product's `images` / `imageUrl`. */
  url: z.string(),
  /** SHA-256 of the stored (stripped) bytes, hex. */
  sha256: z.string(),
  contentType: UploadImageType,
  /** Stored size in bytes (after stripping). */
  bytes: z.number().int(),
  /** Metadata bytes removed from what was sent. */
  strippedBytes: z.number().int(),
  width: z.number().int(),
  height: z.number().int(),
});
export type UploadedImage = z.infer<typeof UploadedImage>;

/** GET /uploads/:name: the content-hash name and an extension of the stored type. */
export const UploadFileParams = z.strictObject({
  name: z.string().regex(/^[0-9a-f]{64}\.(png|jpg|webp)$/, 'must be <sha256>.png, .jpg or .webp'),
});
