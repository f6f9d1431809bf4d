/** Landing page: pick a dev identity, see who is live, and go to the studio, a room or the console. */
import { HawkerApi, HawkerError, type Role, type Room } from '@hawker/client-sdk';
import { byId, h, icon, replace } from './lib/dom.ts';
import { t, type MessageKey } from './lib/i18n.ts';
import './lib/messages/common.ts';
import './lib/messages/landing.ts';
import './lib/messages/room.ts';
import { loadIdentity, signIn } from './lib/identity.ts';
import { safeNextPath } from './lib/redirect.ts';
import { describeError, renderTopbar, roleName } from './lib/ui.ts';
import { searchForm } from './lib/centre.ts';

/**
 * The page's static text is English in index.html (what shows before the script runs); each element marked
 * `data-i18n` (text), `data-i18n-placeholder` or `data-i18n-aria-label` gets its message in the page's language.
 */
function translateStatic(): void {
  document.title = t('landing.docTitle');
  for (const el of Array.from(document.querySelectorAll<HTMLElement>('[data-i18n]'))) el.textContent = t(el.dataset.i18n as MessageKey);
  for (const el of Array.from(document.querySelectorAll<HTMLElement>('[data-i18n-placeholder]')))
    el.setAttribute('placeholder', t(el.dataset.i18nPlaceholder as MessageKey));
  for (const el of Array.from(document.querySelectorAll<HTMLElement>('[data-i18n-aria-label]')))
    el.setAttribute('aria-label', t(el.dataset.i18nAriaLabel as MessageKey));
}
translateStatic();

const ROLES_WITH_AGENCY: readonly Role[] = ['creator', 'moderator', 'agency'];

const form = byId<HTMLFormElement>('sign-in-form');
const field = (name: string) => form.elements.namedItem(name) as HTMLInputElement | HTMLSelectElement;
const errorBox = byId('sign-in-error');

function slug(name: string): string {
  return (
    name
      .normalize('NFKD')
      .replace(/[^A-Za-z0-9]+/g, '-')
      .replace(/^-+|-+$/g, '')
      .toLowerCase()
      .slice(0, 48) || `user-${Math.random().toString(36).slice(2, 8)}`
  );
}

function showIdentity(): void {
  renderTopbar('/');
  const identity = loadIdentity();
  const pill = byId('identity-pill');
  if (!identity) {
    pill.textContent = t('landing.notSignedIn');
    pill.className = 'pill pill-plain';
    return;
  }
  const p = identity.principal;
  pill.textContent = `${p.name} · ${roleName(p.role)}${p.agencyId ? ` · ${p.agencyId}` : ''}`;
  pill.className = 'pill pill-plain pill-ok';
  field('name').value = p.name;
  field('role').value = p.role;
  field('agencyId').value = p.agencyId ?? '';
  field('userId').value = p.userId;
  updateAgencyField();
}

function updateAgencyField(): void {
  byId('agency-field').hidden = !ROLES_WITH_AGENCY.includes(field('role').value as Role);
}

async function loadLiveRooms(): Promise<void> {
  const list = byId('live-rooms');
  const identity = loadIdentity();
  if (!identity) {
    replace(list, h('li', { class: 'empty', text: t('landing.signInToSee') }));
    return;
  }
  try {
    const rooms = await new HawkerApi(location.origin, identity.token).listRooms({ status: 'live', limit: 50 });
    if (rooms.length === 0) {
      replace(list, h('li', { class: 'empty', text: t('landing.nobodyLive') }));
      return;
    }
    replace(list, ...rooms.map(roomItem));
  } catch (err) {
    replace(list, h('li', { class: 'empty', text: describeError(err) }));
  }
}

function roomItem(room: Room): HTMLLIElement {
  return h(
    'li',
    { class: 'list-item', attrs: { 'data-testid': 'live-room', 'data-room-id': room.id } },
    h('span', { class: 'pill pill-live', text: t('room.live') }),
    h(
      'div',
      { class: 'grow' },
      h('div', { class: 'title', text: room.title }),
      h('div', { class: 'muted small', text: t('landing.with', { name: room.creatorName }) }),
    ),
    h(
      'a',
      { class: 'btn btn-primary btn-sm', attrs: { href: `/room?id=${encodeURIComponent(room.id)}` } },
      icon('play'),
      t('landing.watch'),
    ),
  );
}

form.addEventListener('submit', (e) => {
  e.preventDefault();
  errorBox.hidden = true;
  const name = field('name').value.trim();
  const role = field('role').value as Role;
  const agencyId = field('agencyId').value.trim() || 'demo-agency';
  const userId = field('userId').value.trim() || slug(name);
  if (!name) {
    errorBox.textContent = t('landing.nameFirst');
    errorBox.hidden = false;
    field('name').focus();
    return;
  }
  const button = byId<HTMLButtonElement>('sign-in-button');
  button.disabled = true;
  signIn({ userId, name, role, ...(ROLES_WITH_AGENCY.includes(role) ? { agencyId } : {}) })
    .then(() => {
      // Only a path of this site: `next` comes from the URL and must not send people elsewhere (lib/redirect.ts).
      const next = safeNextPath(new URLSearchParams(location.search).get('next'), location.origin);
      if (next) {
        location.assign(next);
        return;
      }
      showIdentity();
      void loadLiveRooms();
    })
    .catch((err: unknown) => {
      // No dev signer on this server (DEV_TOKENS=false, the production default): say so instead of "not found".
      errorBox.textContent = err instanceof HawkerError && err.code === 'NOT_FOUND' ? t('landing.noDevTokens') : describeError(err);
      errorBox.hidden = false;
    })
    .finally(() => {
      button.disabled = false;
    });
});

field('role').addEventListener('change', updateAgencyField);
byId('refresh-live').addEventListener('click', () => void loadLiveRooms());
byId('icon-studio').replaceWith(icon('camera', 'tile-icon'));
byId('icon-room').replaceWith(icon('play', 'tile-icon'));
byId('icon-console').replaceWith(icon('shield', 'tile-icon'));
byId('curl-example').textContent = byId('curl-example').textContent!.replace('http://localhost:3000', location.origin);
showIdentity();
updateAgencyField();
void loadLiveRooms();
// The search box works as plain HTML (a GET form to /search); the script gives it the page's language.
byId('landing-search').replaceWith(searchForm('', 'landing-search'));
