/**
 * Agency console: every live room of the agency on one screen, with video thumbnails, counters and chat, and
 * moderation of any of them.
 */
import { HawkerApi } from '../../../client-sdk/src/index.ts';
import { byId, h, replace } from './lib/dom.ts';
import { describeError, renderTopbar, requireIdentity } from './lib/ui.ts';

renderTopbar('/console');
const identity = requireIdentity(['agency', 'moderator', 'admin'], 'agency console');
if (identity) {
  const main = byId('main');
  const grid = h('div', { class: 'room-grid', attrs: { 'data-testid': 'room-grid' } });
  replace(main, h('div', { class: 'stack' }, h('h1', { text: `Agency console · ${identity.principal.agencyId ?? ''}` }), grid));
  new HawkerApi(location.origin, identity.token)
    .listRooms({ status: 'live', ...(identity.principal.agencyId ? { agencyId: identity.principal.agencyId } : {}) })
    .then((rooms) => replace(grid, ...rooms.map((r) => h('div', { class: 'card', text: r.title }))))
    .catch((err: unknown) => replace(grid, h('div', { class: 'empty', text: describeError(err) })));
}
