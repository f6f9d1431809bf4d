import { Router } from 'express';
import { ExportQuery } from '@hawker/protocol';
import type { Auth } from '../auth/index.ts';
import type { Logger } from '../kernel/log.ts';
import type { ExportKind, ExportService } from './service.ts';

/**
 * GET /api/exports/orders.csv and /api/exports/refunds.csv (docs/commerce.md, "Exports and webhooks"). Bad queries,
 * refusals and unknown scopes are typed JSON errors sent before any CSV byte; after the header is sent, a failure can
 * only cut the response short (the client sees an incomplete body, never a CSV that looks complete).
 */
export function exportRoutes(exports: ExportService, { rest }: Auth, log: Logger): Router {
  const r = Router();
  for (const kind of ['orders', 'refunds'] as const satisfies readonly ExportKind[]) {
    r.get(
      `/api/exports/${kind}.csv`,
      rest({ query: ExportQuery }, async ({ query, principal, res }) => {
        const { scope, range } = await exports.prepare(principal, kind, query);
        res.status(200);
        res.set({
          'Content-Type': 'text/csv; charset=utf-8',
          'Content-Disposition': `attachment; filename="${scope.kind}-${scope.id}-${kind}.csv"`,
          'Cache-Control': 'no-store',
        });
        res.flushHeaders();
        try {
          await exports.stream(kind, scope, range, res);
          res.end();
        } catch (err) {
          log.error({ err, scope, kind }, 'export failed mid-stream; the response is cut short');
          res.destroy(err as Error);
        }
      }),
    );
  }
  return r;
}
