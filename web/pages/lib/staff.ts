/**
 * What the agency's staff pages (the console and the agency admin) share beyond the keyword editor (lib/keywords.ts):
 * how they start, and which agency they are about.
 */
import { t } from './i18n.ts';
import './messages/common.ts';
import './messages/staff.ts';
import type { Identity } from './identity.ts';
import { renderTopbar, requireIdentity, showNotice } from './ui.ts';

/** A staff page: its address, its title (the tab's), and what the sign-in notice calls it. */
export interface StaffPage {
  path: '/console' | '/agency';
  title: string;
  what: string;
}

/**
 * Starts a staff page: the top bar and the tab's title, the sign-in check (the agency's owner, its moderators and
 * admins may use these pages), then the agency the page is about. `start` runs once both are known; otherwise the page
 * already shows what is missing and how to get it.
 */
export function startStaffPage(page: StaffPage, start: (identity: Identity, agencyId: string) => void): void {
  renderTopbar(page.path);
  document.title = `${page.title} — Hawker`;
  const identity = requireIdentity(['agency', 'moderator', 'admin'], page.what);
  if (!identity) return;
  const agencyId = staffAgency(identity, page.path);
  if (agencyId) start(identity, agencyId);
}

/**
 * The agency a staff page is about: an owner's or moderator's own, or for an admin the one the address names
 * (`?agency=`). Without one the page says how to get one (an admin: open `path` with the agency's id; anyone else:
 * sign in with an agency) and this answers null.
 */
function staffAgency(identity: Identity, path: StaffPage['path']): string | null {
  const admin = identity.principal.role === 'admin';
  const agencyId = admin ? new URLSearchParams(location.search).get('agency') : identity.principal.agencyId;
  if (agencyId) return agencyId;
  showNotice({
    title: t('staff.whichAgency'),
    message: admin ? t('staff.adminPick', { page: path }) : t('staff.noAgency'),
    action: { label: t('auth.switch'), href: `/?next=${encodeURIComponent(path)}#sign-in` },
    testId: 'no-agency',
  });
  return null;
}
