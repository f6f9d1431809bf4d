import { Router, type Request } from 'express';
import { SearchClickBody, SearchQuery } from '@hawker/protocol';
import type { Auth } from '../auth/index.ts';
import type { SearchService } from './service.ts';

/**
 * The caller's user id when the request carries a token (searches and clicks are public; a signed-in one is credited
 * to its user for the funnel). A token that is sent but invalid is refused (401), as everywhere else.
 */
export async function optionalUser(auth: Pick<Auth, 'authenticate'>, req: Request): Promise<string | null> {
  if (!req.headers.authorization) return null;
  return (await auth.authenticate(req)).userId;
}

/** REST for search (人找货): GET /api/search and POST /api/search/clicks, both public. */
export function searchRoutes(search: SearchService, auth: Auth): Router {
  const r = Router();
  r.get(
    '/api/search',
    auth.rest({ query: SearchQuery, auth: false }, async ({ query, req }) => search.search(query, await optionalUser(auth, req))),
  );
  r.post(
    '/api/search/clicks',
    auth.rest({ body: SearchClickBody, auth: false }, async ({ body, req }) => search.click(body, await optionalUser(auth, req))),
  );
  return r;
}
