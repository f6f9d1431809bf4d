import type { Domain, HawkerContext } from '../kernel/context.ts';
import type { Auth } from '../auth/index.ts';
import { generateOpenApi, OPENAPI_ROUTE } from './apiDocs.ts';

export {
  EVENTS_FILE,
  generateApiDocs,
  generateEventsMarkdown,
  generateOpenApi,
  jsonFileText,
  OPENAPI_FILE,
  OPENAPI_ROUTE,
  REFERENCE_NODE_ENV,
} from './apiDocs.ts';

/**
 * GET /api/docs/openapi.json: the node's OpenAPI document, generated from the routes mounted on it (server/docs). It is
 * registered after every other domain and built on the first request, so it lists everything the node serves.
 */
export function createDocs(ctx: HawkerContext, { rest }: Auth): Domain {
  let openapi: object | undefined;
  ctx.app.get(
    OPENAPI_ROUTE,
    rest({ auth: false }, async () => (openapi ??= generateOpenApi(ctx.app))),
  );
  return { name: 'docs', async close() {} };
}
