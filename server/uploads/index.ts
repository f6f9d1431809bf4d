import path from 'node:path';
import { Router } from 'express';
import { UPLOAD_IMAGE_PATH, UploadFileParams } from '@hawker/protocol';
import type { Auth } from '../auth/index.ts';
import type { Domain, HawkerContext } from '../kernel/context.ts';
import { AppError } from '../kernel/errors.ts';
import { UploadService } from './service.ts';
import { UploadStore } from './store.ts';

export { UploadService } from './service.ts';
export { sniffImage, stripImage } from './images.ts';

/**
 * REST for image uploads (docs/uploads.md): POST /api/uploads/images with the picture's bytes as the body, and
 * GET /uploads/<sha256>.<ext> to serve it. Served pictures carry nosniff, their own content type, a CSP that allows
 * nothing (a picture opened as a document runs nothing) and a year's immutable caching (the name is the content).
 */
export function uploadRoutes(service: UploadService, { rest }: Auth): Router {
  const r = Router();
  r.post(
    UPLOAD_IMAGE_PATH,
    rest({ status: 201 }, async ({ principal, req, res }) => {
      const length = req.headers['content-length'] === undefined ? null : Number(req.headers['content-length']);
      try {
        const { image, created } = await service.upload(principal, req, Number.isFinite(length) ? length : null);
        // 201 stored now, 200 stored before (rest() would answer its one status).
        res.status(created ? 201 : 200).json(image);
      } catch (err) {
        // The body may be partly unread (a refusal before or while reading): close rather than drain it.
        if (!req.readableEnded) res.set('Connection', 'close');
        throw err;
      }
    }),
  );
  r.get(
    '/uploads/:name',
    rest({ params: UploadFileParams, auth: false }, async ({ params, res }) => {
      const file = await service.read(params.name);
      if (!file) throw AppError.notFound(`Picture ${params.name}`);
      res.status(200);
      res.set({
        'Content-Type': file.contentType,
        'Content-Length': String(file.data.length),
        'X-Content-Type-Options': 'nosniff',
        'Content-Security-Policy': "default-src 'none'; sandbox",
        // Pages on other origins (SDK integrators) show product pictures too.
        'Cross-Origin-Resource-Policy': 'cross-origin',
        'Cache-Control': 'public, max-age=31536000, immutable',
      });
      res.end(file.data);
    }),
  );
  return r;
}

/** The uploads domain (issue 17): product pictures, stripped and stored under UPLOADS_DIR. */
export function createUploads(ctx: HawkerContext, auth: Auth): Domain & { service: UploadService } {
  const { config } = ctx;
  const dir = path.resolve(config.UPLOADS_DIR ?? path.join(config.dataDir, 'uploads'));
  const service = new UploadService(new UploadStore(ctx.dbBulk), dir, {
    maxBytes: config.UPLOAD_MAX_BYTES,
    quotaBytes: config.UPLOAD_QUOTA_BYTES_PER_USER,
    maxPixels: config.UPLOAD_MAX_PIXELS,
  });
  ctx.app.use(uploadRoutes(service, auth));
  return { name: 'uploads', service, async close() {} };
}
